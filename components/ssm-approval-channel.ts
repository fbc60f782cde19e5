/**
 * SsmApprovalChannel: the iam channel, for approvers who must sign in to AWS to decide.
 *
 * The approver's branch invokes ssm-start (`.waitForTaskToken`), which keeps the task token in the
 * request store and starts this channel's Automation document (one `aws:approve` step) for that
 * approver alone, passing a correlation id and never the token. SSM notifies the approver through
 * their topic (as the automation role, which may only publish to these approvers' topics); the
 * approver decides in the console or with `aws ssm send-automation-signal`. When the step ends
 * (Success, Failed, TimedOut or Cancelled) an EventBridge rule invokes ssm-result, which reads the
 * outcome through the SSM API and records it with the shared decision recorder. EventBridge
 * retries delivery and Lambda retries failed invocations; what still fails lands in an encrypted
 * SQS dead-letter queue.
 *
 * Created by ApprovalWorkflow only when at least one approver has `iamPrincipal`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ApprovalFunction } from "./approval-function";
import { IAM_CHANNEL_MAX_TIMEOUT_SECONDS, MAX_APPROVERS, MIN_APPROVAL_TIMEOUT_SECONDS } from "./config";
import { NO_RESOURCE_TYPE, Permission, policyDocument, trustPolicy } from "./permissions";
import { tableAccess } from "./request-store";
import {
  approvalDocumentContent,
  approvalStepEventPattern,
  automationArnsOf,
  documentNameFor,
} from "./ssm-approval-document";

export interface IamApprover {
  /** The approver's stable name from stack config. */
  name: string;
  /** The IAM user or role ARN allowed to decide (the `Approvers` of the approve step). */
  principalArn: string;
  /** The approver's SNS topic; its name must start with "Automation" for SSM to publish to it. */
  topicArn: pulumi.Input<string>;
}

export interface SsmApprovalChannelArgs {
  /** The approvers who use this channel (those with `iamPrincipal`). */
  approvers: IamApprover[];
  /** The request store. */
  table: aws.dynamodb.Table;
  /** How long each approver has: the approve step's timeoutSeconds (at most 30 days). */
  approvalTimeoutSeconds: number;
  logRetentionDays: number;
  /** RECORD_RETENTION_DAYS of the functions (as the workflow's other functions). Default 30. */
  recordRetentionDays?: number;
  /** The SSM document name. Default: `<project>-<stack>-<component name>`. */
  documentName?: string;
}

/**
 * EventBridge keeps retrying delivery for a day (it gives up earlier only for errors it cannot
 * retry); Lambda then retries a failing invocation twice over up to six hours.
 */
export const RESULT_DELIVERY_RETRY = { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 24 * 3600 };
export const RESULT_INVOCATION_RETRY = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 6 * 3600 };
/** The longest SQS keeps a message: time to look at what failed and replay it. */
const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

const IAM_PRINCIPAL = /^arn:aws[a-z-]*:iam::\d{12}:(user|role)\/.+$/;
const APPROVER_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

function checkArgs(name: string, args: SsmApprovalChannelArgs): void {
  const problems: string[] = [];
  if (args.approvers.length === 0) problems.push("at least one iam approver is required");
  if (args.approvers.length > MAX_APPROVERS) problems.push(`at most ${MAX_APPROVERS} approvers`);
  const seen = new Set<string>();
  for (const approver of args.approvers) {
    if (!APPROVER_NAME.test(approver.name)) problems.push(`approver name "${approver.name}" is not a valid name`);
    if (seen.has(approver.name)) problems.push(`approver "${approver.name}" is listed twice`);
    seen.add(approver.name);
    if (!IAM_PRINCIPAL.test(approver.principalArn)) {
      problems.push(
        `approver "${approver.name}": principalArn "${approver.principalArn}" is not an IAM user or role ARN`,
      );
    }
  }
  const timeout = args.approvalTimeoutSeconds;
  if (
    !Number.isInteger(timeout) ||
    timeout < MIN_APPROVAL_TIMEOUT_SECONDS ||
    timeout > IAM_CHANNEL_MAX_TIMEOUT_SECONDS
  ) {
    problems.push(
      `approvalTimeoutSeconds ${timeout} must be a whole number from ${MIN_APPROVAL_TIMEOUT_SECONDS} to ${IAM_CHANNEL_MAX_TIMEOUT_SECONDS} (aws:approve waits at most 30 days)`,
    );
  }
  if (!Number.isInteger(args.logRetentionDays) || args.logRetentionDays < 1) {
    problems.push(`logRetentionDays ${args.logRetentionDays} must be a positive whole number`);
  }
  if (problems.length > 0) throw new Error(`SsmApprovalChannel ${name}: ${problems.join("; ")}`);
}

export class SsmApprovalChannel extends pulumi.ComponentResource {
  public readonly documentName: pulumi.Output<string>;
  public readonly documentArn: pulumi.Output<string>;
  /** The role SSM assumes to notify approvers. */
  public readonly automationRoleArn: pulumi.Output<string>;
  /** ssm-start: the iam branches' `.waitForTaskToken` function. */
  public readonly startFunctionArn: pulumi.Output<string>;
  /** ssm-result: invoked by the rule. */
  public readonly resultFunctionArn: pulumi.Output<string>;
  public readonly ruleArn: pulumi.Output<string>;
  public readonly deadLetterQueueArn: pulumi.Output<string>;
  public readonly deadLetterQueueUrl: pulumi.Output<string>;
  /** For the function that closes requests: stop this channel's pending automations. */
  public readonly stopAutomationsPermission: Permission;

  constructor(name: string, args: SsmApprovalChannelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("parallel-approval:ssm:SsmApprovalChannel", name, {}, opts);
    // Throws before any child is registered.
    checkArgs(name, args);
    const documentName = args.documentName ?? documentNameFor(pulumi.getProject(), pulumi.getStack(), name);
    const topicArns = args.approvers.map((approver) => approver.topicArn);

    const document = new aws.ssm.Document(
      `${name}-document`,
      {
        name: documentName,
        documentType: "Automation",
        documentFormat: "JSON",
        content: JSON.stringify(approvalDocumentContent(args.approvalTimeoutSeconds), null, 2),
      },
      { parent: this },
    );
    const automation = document.arn.apply(automationArnsOf);
    const executionsArn = automation.apply((arns) => arns.executions);

    // ---- The role Automation assumes: publish the approval notice, nothing else ----
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const automationRole = new aws.iam.Role(
      `${name}-automation-role`,
      {
        description: "SSM Automation: notifies iam approvers of parallel-approval requests",
        // Only automations of this account may assume it (confused-deputy protection).
        assumeRolePolicy: pulumi.all([account, executionsArn]).apply(([accountId, executions]) =>
          trustPolicy("ssm.amazonaws.com", {
            StringEquals: { "aws:SourceAccount": accountId },
            ArnLike: { "aws:SourceArn": executions },
          }),
        ),
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-automation-policy`,
      {
        role: automationRole.id,
        policy: policyDocument([{ sid: "NotifyIamApprovers", actions: ["sns:Publish"], resources: topicArns }]),
      },
      { parent: this },
    );

    this.stopAutomationsPermission = {
      sid: "StopApprovalAutomations",
      actions: ["ssm:StopAutomationExecution"],
      resources: [executionsArn],
    };

    const environment = {
      TABLE_NAME: args.table.name,
      RECORD_RETENTION_DAYS: String(args.recordRetentionDays ?? 30),
      AUTOMATION_DOCUMENT_NAME: document.name,
    };

    // ---- ssm-start ----
    const start = new ApprovalFunction(
      `${name}-start`,
      {
        handlerName: "ssm-start",
        description: "Stores an iam approver's task token and starts their SSM approval",
        logRetentionDays: args.logRetentionDays,
        environment: { ...environment, AUTOMATION_ROLE_ARN: automationRole.arn },
        permissions: [
          tableAccess(args.table, ["PutItem", "UpdateItem"]),
          {
            sid: "StartApprovalAutomations",
            actions: ["ssm:StartAutomationExecution"],
            resources: [document.arn, automation.apply((arns) => arns.definition), executionsArn],
          },
          {
            sid: "PassAutomationRole",
            actions: ["iam:PassRole"],
            resources: [automationRole.arn],
            condition: { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } },
          },
          // Stops the automation it just started when the request closed meanwhile.
          this.stopAutomationsPermission,
        ],
      },
      { parent: this },
    );

    // ---- Dead letters: events EventBridge could not deliver, invocations Lambda gave up on ----
    const deadLetters = new aws.sqs.Queue(
      `${name}-dead-letters`,
      { sqsManagedSseEnabled: true, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS },
      { parent: this },
    );

    // ---- ssm-result ----
    const result = new ApprovalFunction(
      `${name}-result`,
      {
        handlerName: "ssm-result",
        description: "Records the outcome of an SSM approval step",
        logRetentionDays: args.logRetentionDays,
        timeoutSeconds: 30,
        environment,
        permissions: [
          { sid: "ReadApprovalAutomations", actions: ["ssm:GetAutomationExecution"], resources: [executionsArn] },
          tableAccess(args.table, ["GetItem", "UpdateItem"]),
          {
            sid: "AnswerWaitingTasks",
            actions: ["states:SendTaskFailure", "states:SendTaskSuccess"],
            resources: [NO_RESOURCE_TYPE],
          },
          // Lambda sends an invocation that failed every retry to the on-failure destination as the function's role.
          { sid: "DeadLetterFailedInvocations", actions: ["sqs:SendMessage"], resources: [deadLetters.arn] },
        ],
      },
      { parent: this },
    );

    const rule = new aws.cloudwatch.EventRule(
      `${name}-step-ended`,
      {
        description: `parallel-approval: the approve step of ${documentName} ended`,
        eventPattern: document.name.apply((documentName) => JSON.stringify(approvalStepEventPattern(documentName))),
      },
      { parent: this },
    );

    const queuePolicy = new aws.sqs.QueuePolicy(
      `${name}-dead-letters-policy`,
      {
        queueUrl: deadLetters.url,
        policy: pulumi.all([deadLetters.arn, rule.arn]).apply(([queueArn, ruleArn]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "DeadLettersOfTheStepEndedRule",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queueArn,
                Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
              },
            ],
          }),
        ),
      },
      { parent: this },
    );

    const invokePermission = new aws.lambda.Permission(
      `${name}-result-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: result.name,
        principal: "events.amazonaws.com",
        sourceArn: rule.arn,
      },
      { parent: this },
    );

    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-result-retries`,
      {
        functionName: result.name,
        ...RESULT_INVOCATION_RETRY,
        destinationConfig: { onFailure: { destination: deadLetters.arn } },
      },
      { parent: this },
    );

    new aws.cloudwatch.EventTarget(
      `${name}-step-ended-target`,
      {
        rule: rule.name,
        arn: result.arn,
        retryPolicy: RESULT_DELIVERY_RETRY,
        deadLetterConfig: { arn: deadLetters.arn },
      },
      { parent: this, dependsOn: [invokePermission, queuePolicy] },
    );

    this.documentName = document.name;
    this.documentArn = document.arn;
    this.automationRoleArn = automationRole.arn;
    this.startFunctionArn = start.arn;
    this.resultFunctionArn = result.arn;
    this.ruleArn = rule.arn;
    this.deadLetterQueueArn = deadLetters.arn;
    this.deadLetterQueueUrl = deadLetters.url;
    this.registerOutputs({
      documentName: this.documentName,
      documentArn: this.documentArn,
      automationRoleArn: this.automationRoleArn,
      startFunctionArn: this.startFunctionArn,
      resultFunctionArn: this.resultFunctionArn,
      ruleArn: this.ruleArn,
      deadLetterQueueArn: this.deadLetterQueueArn,
      deadLetterQueueUrl: this.deadLetterQueueUrl,
    });
  }
}
