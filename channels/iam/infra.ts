/**
 * The iam channel's resources, for approvers who must sign in to AWS to decide.
 *
 * The approver's branch invokes ssm-start (`.waitForTaskToken`), which keeps the task token in the
 * request store and starts this channel's Automation document (one `aws:approve` step) for that
 * approver alone, passing a correlation id and never the token. SSM notifies the approver through
 * their topic (as the automation role, which may only publish to these approvers' topics); the
 * approver decides in the console or with `aws ssm send-automation-signal`. When the step ends
 * (Success, Failed, TimedOut or Cancelled) an EventBridge rule invokes ssm-result, which reads the
 * outcome through the SSM API and records it with the shared decision recorder. EventBridge
 * retries delivery for a day; Lambda retries a failed invocation twice (one minute, then two
 * minutes later: about three minutes in all); what still fails lands in an encrypted SQS queue.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 *
 * Every automation is tagged with the document's name; the roles that start, read and stop
 * automations are conditioned on that tag, so they reach this stack's automations only.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { GRANT } from "../../core/topology";
import { ENV } from "../../core/environment";
import { MAX_APPROVERS } from "../../core/limits";
import { createHash } from "node:crypto";
import { policyDocument, trustPolicy, type Permission } from "../../components/permissions";
import { createDeadLetterQueue, targetFunctionResiliently } from "../../components/resilient-rule-target";
import type { ChannelInfra, ChannelInfraContext } from "../infra-types";
import { STACK_TAG_KEY } from "./automation-contract";
import { approvalDocumentContent, approvalStepEventPattern, automationArnsOf, documentNameFor } from "./document";
import { IAM, IAM_GRANT, IAM_PRINCIPAL, iamChannel } from "./spec";

export interface IamApprover {
  /** The approver's stable name from stack config. */
  name: string;
  /** The IAM user or role ARN allowed to decide (the `Approvers` of the approve step). */
  principalArn: string;
  /** The approver's SNS topic; its name must start with "Automation" for SSM to publish to it. */
  topicArn: pulumi.Input<string>;
}

export interface SsmApprovalChannelArgs {
  approvers: IamApprover[];
  /** The approve step's timeoutSeconds: the longest stage deadline of an iam approver (at most 30 days). */
  approvalTimeoutSeconds: number;
  /** Makes the document name unique to this deployment (see documentNameFor). */
  documentNameSuffix: pulumi.Input<string>;
}

function checkArgs(name: string, args: SsmApprovalChannelArgs): void {
  const problems: string[] = [];
  if (args.approvers.length === 0) problems.push("at least one iam approver is required");
  if (args.approvers.length > MAX_APPROVERS) problems.push(`at most ${MAX_APPROVERS} approvers`);
  for (const approver of args.approvers) {
    if (!IAM_PRINCIPAL.test(approver.principalArn))
      problems.push(`approver "${approver.name}": "${approver.principalArn}" is not an IAM user or role ARN`);
  }
  if (problems.length > 0) throw new Error(`SsmApprovalChannel ${name}: ${problems.join("; ")}`);
}

/** The channel's component: the document, the role SSM assumes, the dead-letter queue, and (later) its functions and rule. */
export class SsmApprovalChannel extends pulumi.ComponentResource {
  public readonly document: aws.ssm.Document;
  public readonly documentName: pulumi.Output<string>;
  public readonly automationRoleArn: pulumi.Output<string>;
  public readonly deadLetters: aws.sqs.Queue;
  /** `automation-execution/*` of this account and Region: SSM assigns execution ids at start. */
  public readonly executionsArn: pulumi.Output<string>;
  public readonly definitionArn: pulumi.Output<string>;

  constructor(
    private readonly resourceName: string,
    args: SsmApprovalChannelArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("parallel-approval:ssm:SsmApprovalChannel", resourceName, {}, opts);
    const name = resourceName;
    checkArgs(name, args);
    const project = pulumi.getProject();
    const stack = pulumi.getStack();
    this.document = new aws.ssm.Document(
      `${name}-document`,
      {
        name: pulumi.output(args.documentNameSuffix).apply((suffix) => documentNameFor(project, stack, name, suffix)),
        documentType: "Automation",
        documentFormat: "JSON",
        content: JSON.stringify(approvalDocumentContent(args.approvalTimeoutSeconds), null, 2),
      },
      // The name is chosen once, at creation: a stack created before names had a suffix keeps its
      // document (renaming would replace it, and an existing name is already unique).
      { parent: this, ignoreChanges: ["name"] },
    );
    this.documentName = this.document.name;
    const automation = this.document.arn.apply(automationArnsOf);
    this.executionsArn = automation.apply((arns) => arns.executions);
    this.definitionArn = automation.apply((arns) => arns.definition);

    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const automationRole = new aws.iam.Role(
      `${name}-automation-role`,
      {
        description: "SSM Automation: notifies iam approvers of parallel-approval requests",
        // Only automations of this account may assume it (confused-deputy protection).
        assumeRolePolicy: pulumi.all([account, this.executionsArn]).apply(([accountId, executions]) =>
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
        policy: policyDocument([
          { sid: "NotifyIamApprovers", actions: ["sns:Publish"], resources: args.approvers.map((a) => a.topicArn) },
        ]),
      },
      { parent: this },
    );
    this.automationRoleArn = automationRole.arn;

    // Events EventBridge could not deliver, and invocations Lambda gave up on.
    this.deadLetters = createDeadLetterQueue(`${name}-dead-letters`, this);
  }

  /** Called once its functions and rule exist. */
  complete(outputs: Record<string, pulumi.Input<unknown>>): void {
    this.registerOutputs(outputs);
  }

  /** Only automations this stack started (tagged with its document name). */
  private ownTag(key: "aws:ResourceTag" | "aws:RequestTag") {
    return this.documentName.apply((documentName) => ({ StringEquals: { [`${key}/${STACK_TAG_KEY}`]: documentName } }));
  }

  /** The grants the channel exposes, by name. */
  permissions(): Record<string, Permission[]> {
    const stop: Permission = {
      sid: "StopOwnApprovalAutomations",
      actions: ["ssm:StopAutomationExecution"],
      resources: [this.executionsArn],
      condition: this.ownTag("aws:ResourceTag"),
    };
    return {
      [IAM_GRANT.startAutomations]: [
        {
          sid: "StartApprovalAutomations",
          actions: ["ssm:StartAutomationExecution"],
          resources: [this.document.arn, this.definitionArn, this.executionsArn],
          condition: this.ownTag("aws:RequestTag"),
        },
        {
          sid: "TagApprovalAutomations",
          actions: ["ssm:AddTagsToResource"],
          resources: [this.executionsArn],
          condition: this.ownTag("aws:RequestTag"),
        },
      ],
      [IAM_GRANT.passAutomationRole]: [
        {
          sid: "PassAutomationRole",
          actions: ["iam:PassRole"],
          resources: [this.automationRoleArn],
          condition: { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } },
        },
      ],
      [IAM_GRANT.stopAutomations]: [stop],
      [IAM_GRANT.readAutomations]: [
        {
          sid: "ReadOwnApprovalAutomations",
          actions: ["ssm:GetAutomationExecution"],
          resources: [this.executionsArn],
          condition: this.ownTag("aws:ResourceTag"),
        },
      ],
      // Lambda sends an invocation that failed every retry to the on-failure destination as the function's role.
      [IAM_GRANT.deadLetters]: [
        { sid: "DeadLetterFailedInvocations", actions: ["sqs:SendMessage"], resources: [this.deadLetters.arn] },
      ],
      [GRANT.releaseAsks]: [stop],
    };
  }

  /** The rule that brings every ending of the approve step to the result function, with its retries and dead letters. */
  connectResult(result: { arn: pulumi.Output<string>; name: pulumi.Output<string> }): aws.cloudwatch.EventRule {
    const name = this.resourceName;
    const rule = new aws.cloudwatch.EventRule(
      `${name}-step-ended`,
      {
        description: pulumi.interpolate`parallel-approval: the approve step of ${this.documentName} ended`,
        eventPattern: this.documentName.apply((documentName) => JSON.stringify(approvalStepEventPattern(documentName))),
      },
      { parent: this },
    );
    targetFunctionResiliently(
      { rule, fn: result, deadLetters: this.deadLetters },
      {
        queuePolicy: `${name}-dead-letters-policy`,
        permission: `${name}-result-invoke`,
        invokeConfig: `${name}-result-retries`,
        target: `${name}-step-ended-target`,
        statementId: "DeadLettersOfTheStepEndedRule",
      },
      this,
    );
    return rule;
  }
}

const channels = new WeakMap<ChannelInfraContext, SsmApprovalChannel>();

/** The longest stage deadline among stages with an iam approver: the approve step's own timeout (a backstop). */
function longestIamWait(ctx: ChannelInfraContext): number {
  const waits = ctx.settings.stages
    .filter((stage) => stage.approvers.some((a) => a.channel === IAM))
    .map((stage) => stage.timeoutSeconds);
  return Math.max(...waits);
}

export const iamInfra: ChannelInfra = {
  prepare(ctx) {
    const channel = new SsmApprovalChannel(
      `${ctx.name}-ssm`,
      {
        approvers: ctx.approvers.map((approver) => ({
          name: approver.name,
          principalArn: approver.address,
          topicArn: ctx.topics.get(approver.name)!.arn,
        })),
        approvalTimeoutSeconds: longestIamWait(ctx),
        documentNameSuffix: ctx.table.name.apply((tableName) =>
          createHash("sha256").update(tableName).digest("hex").slice(0, 8),
        ),
      },
      { parent: ctx.parent },
    );
    channels.set(ctx, channel);
    for (const [grant, permissions] of Object.entries(channel.permissions())) ctx.grants.expose(grant, ...permissions);
    ctx.functions.provide(ENV.automationDocumentName, channel.documentName);
    ctx.functions.provide(ENV.automationRoleArn, channel.automationRoleArn);
  },

  create(ctx) {
    const channel = channels.get(ctx)!;
    const [start, result] = iamChannel.functions.map((spec) => ctx.functions.create(spec, channel));
    const rule = channel.connectResult(result);
    channel.complete({
      documentName: channel.documentName,
      automationRoleArn: channel.automationRoleArn,
      startFunctionArn: start.arn,
      resultFunctionArn: result.arn,
      ruleArn: rule.arn,
      deadLetterQueueUrl: channel.deadLetters.url,
    });
    return { outputs: { iamDeadLetterQueueUrl: channel.deadLetters.url } };
  },
};
