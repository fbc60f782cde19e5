/**
 * Resources shaped like the program's, as the engine hands them to the pack (inputs, with
 * IAM documents as JSON strings), each compliant with every policy. Specs break one thing at a
 * time.
 */
import { ResourceUnderTest } from "./harness";

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";
export const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
export const AUTOMATION_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/approval-automation-role`;

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  NotPrincipal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const policyDocument = (...statements: Statement[]) => ({ Version: "2012-10-17", Statement: statements });

export const trustPolicy = (principal: unknown) =>
  policyDocument({ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole" });

/** The permissions of a notify/record function: scoped ARNs, plus Resource "*" where AWS requires it. */
export const compliantStatements: Statement[] = [
  {
    Sid: "RequestStore",
    Effect: "Allow",
    Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
    Resource: arn("dynamodb", "table/approval-requests"),
  },
  {
    Sid: "Publish",
    Effect: "Allow",
    Action: "sns:Publish",
    Resource: [arn("sns", "Automation-finance"), arn("sns", "Automation-security")],
  },
  { Sid: "Callback", Effect: "Allow", Action: ["states:SendTaskSuccess", "states:SendTaskFailure"], Resource: "*" },
  { Sid: "Tracing", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
  {
    Sid: "PassAutomationRole",
    Effect: "Allow",
    Action: "iam:PassRole",
    Resource: AUTOMATION_ROLE_ARN,
    Condition: { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } },
  },
];

export const rolePolicy = (...statements: Statement[]): ResourceUnderTest => ({
  type: "aws:iam/rolePolicy:RolePolicy",
  name: "approval-notify-approver-policy",
  props: { role: "approval-notify-approver-role", policy: JSON.stringify(policyDocument(...statements)) },
});

export const role = (overrides: Record<string, unknown> = {}): ResourceUnderTest => ({
  type: "aws:iam/role:Role",
  name: "approval-notify-approver-role",
  props: {
    assumeRolePolicy: JSON.stringify(trustPolicy({ Service: "lambda.amazonaws.com" })),
    ...overrides,
  },
});

export const lambdaFunction = (overrides: Record<string, unknown> = {}): ResourceUnderTest => ({
  type: "aws:lambda/function:Function",
  name: "approval-notify-approver",
  props: {
    role: `arn:aws:iam::${ACCOUNT}:role/approval-notify-approver-role`,
    runtime: "nodejs24.x",
    handler: "index.handler",
    architectures: ["arm64"],
    memorySize: 256,
    timeout: 30,
    loggingConfig: { logFormat: "JSON", logGroup: "/aws/lambda/approval-notify-approver" },
    ...overrides,
  },
});

export const topic = (overrides: Record<string, unknown> = {}): ResourceUnderTest => ({
  type: "aws:sns/topic:Topic",
  name: "approver-finance",
  props: { name: "Automation-finance", kmsMasterKeyId: "alias/aws/sns", ...overrides },
});

export const queue = (overrides: Record<string, unknown> = {}): ResourceUnderTest => ({
  type: "aws:sqs/queue:Queue",
  name: "approval-result-dlq",
  props: { sqsManagedSseEnabled: true, messageRetentionSeconds: 1209600, ...overrides },
});

export const table = (overrides: Record<string, unknown> = {}): ResourceUnderTest => ({
  type: "aws:dynamodb/table:Table",
  name: "approval-requests",
  props: {
    billingMode: "PAY_PER_REQUEST",
    hashKey: "pk",
    attributes: [{ name: "pk", type: "S" }],
    serverSideEncryption: { enabled: true },
    pointInTimeRecovery: { enabled: true },
    ttl: { attributeName: "expiresAt", enabled: true },
    ...overrides,
  },
});

export const logGroup = (overrides: Record<string, unknown> = {}): ResourceUnderTest => ({
  type: "aws:cloudwatch/logGroup:LogGroup",
  name: "approval-workflow-logs",
  props: { name: "/aws/vendedlogs/states/approval-workflow", retentionInDays: 30, ...overrides },
});

export const stateMachine = (overrides: Record<string, unknown> = {}): ResourceUnderTest => ({
  type: "aws:sfn/stateMachine:StateMachine",
  name: "approval-workflow",
  props: {
    roleArn: `arn:aws:iam::${ACCOUNT}:role/approval-workflow-role`,
    definition: "{}",
    loggingConfiguration: {
      level: "ERROR",
      includeExecutionData: false,
      logDestination: `${arn("logs", "log-group:/aws/vendedlogs/states/approval-workflow")}:*`,
    },
    ...overrides,
  },
});

export const eventTarget = (overrides: Record<string, unknown> = {}): ResourceUnderTest => ({
  type: "aws:cloudwatch/eventTarget:EventTarget",
  name: "approval-ssm-result",
  props: {
    rule: "approval-ssm-step-status",
    arn: arn("lambda", "function:approval-ssm-result"),
    retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 86400 },
    deadLetterConfig: { arn: arn("sqs", "approval-ssm-result-dlq") },
    ...overrides,
  },
});

/** Like the SSM channel's: EventBridge may invoke the result function, from its rule only. */
export const lambdaPermission = (overrides: Record<string, unknown> = {}): ResourceUnderTest => ({
  type: "aws:lambda/permission:Permission",
  name: "approval-ssm-result-invoke",
  props: {
    action: "lambda:InvokeFunction",
    function: "approval-ssm-result",
    principal: "events.amazonaws.com",
    sourceArn: arn("events", "rule/approval-ssm-step-ended"),
    ...overrides,
  },
});

/** Like the SSM channel's dead-letter queue policy: EventBridge may send, for its rule only. */
export const deadLetterStatement: Statement = {
  Sid: "DeadLettersOfTheStepEndedRule",
  Effect: "Allow",
  Principal: { Service: "events.amazonaws.com" },
  Action: "sqs:SendMessage",
  Resource: arn("sqs", "approval-ssm-result-dlq"),
  Condition: { ArnEquals: { "aws:SourceArn": arn("events", "rule/approval-ssm-step-ended") } },
};

export const queuePolicy = (...statements: Statement[]): ResourceUnderTest => ({
  type: "aws:sqs/queuePolicy:QueuePolicy",
  name: "approval-ssm-result-dlq-policy",
  props: {
    queueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/approval-ssm-result-dlq`,
    policy: JSON.stringify(policyDocument(...(statements.length > 0 ? statements : [deadLetterStatement]))),
  },
});

/** A topic policy that lets one account's EventBridge rule publish. */
export const publishStatement: Statement = {
  Sid: "RulePublishes",
  Effect: "Allow",
  Principal: { Service: "events.amazonaws.com" },
  Action: "sns:Publish",
  Resource: arn("sns", "Automation-finance"),
  Condition: { ArnEquals: { "aws:SourceArn": arn("events", "rule/approval-notify") } },
};

export const topicPolicy = (...statements: Statement[]): ResourceUnderTest => ({
  type: "aws:sns/topicPolicy:TopicPolicy",
  name: "approver-finance-policy",
  props: {
    arn: arn("sns", "Automation-finance"),
    policy: JSON.stringify(policyDocument(...(statements.length > 0 ? statements : [publishStatement]))),
  },
});

export const kmsKey = (overrides: Record<string, unknown> = {}): ResourceUnderTest => ({
  type: "aws:kms/key:Key",
  name: "approval-topics-key",
  props: { description: "Approver topics", enableKeyRotation: true, deletionWindowInDays: 30, ...overrides },
});
