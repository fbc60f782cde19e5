/**
 * ApprovalWorkflow: everything one stack needs for parallel human approval.
 *
 * Per approver: an encrypted SNS topic with the approver's email subscription. Shared: the
 * request store, the Lambdas (each with its own least-privilege role), the HTTPS approval page
 * and the state machine. The config is validated before any child exists, and every per-approver
 * child is named from the approver's stable `name`, so adding, removing, renaming or reordering
 * approvers never replaces another approver's resources.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { parseWorkflowConfig, RawWorkflowConfig, WorkflowSettings } from "./config";
import { ApprovalFunction } from "./approval-function";
import { ApprovalEndpoint } from "./approval-endpoint";
import { ApprovalStateMachine } from "./approval-state-machine";
import { createRequestTable, tableAccess } from "./request-store";
import { NO_RESOURCE_TYPE } from "./permissions";
import { SsmApprovalChannel } from "./ssm-approval-channel";
import type { DefinitionApprover } from "./definition";

export interface ApprovalWorkflowArgs extends RawWorkflowConfig {
  /** Retention of every log group, in days. Default 90. */
  logRetentionDays?: number;
  /** Retention of request records and asks after a request closes, in days. Default 30. */
  recordRetentionDays?: number;
  /** Approval page throttle. Default 10 requests/s, burst 20. */
  pageThrottle?: { rateLimit: number; burstLimit: number };
}

export class ApprovalWorkflow extends pulumi.ComponentResource {
  public readonly stateMachineArn: pulumi.Output<string>;
  public readonly approvalPageUrl: pulumi.Output<string>;
  public readonly requestTableName: pulumi.Output<string>;
  /** Approver name → SNS topic ARN. */
  public readonly approverTopicArns: pulumi.Output<Record<string, string>>;
  public readonly settings: WorkflowSettings;

  constructor(name: string, args: ApprovalWorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super("parallel-approval:workflow:ApprovalWorkflow", name, {}, opts);
    // Throws ConfigError naming every bad entry, before any child resource is registered.
    const settings = parseWorkflowConfig({
      approvers: args.approvers,
      quorum: args.quorum,
      approvalTimeout: args.approvalTimeout,
    });
    this.settings = settings;
    const logRetentionDays = args.logRetentionDays ?? 90;
    const recordRetentionDays = args.recordRetentionDays ?? 30;

    const topics = new Map(
      settings.approvers.map((approver) => {
        // SSM Automation only publishes to topics whose name starts with "Automation"; every
        // approver's topic follows that rule so switching an approver's channel keeps its topic
        // (and the confirmed email subscription).
        const topic = new aws.sns.Topic(
          `${name}-${approver.name}`,
          {
            namePrefix: `Automation-${approver.name}-`,
            kmsMasterKeyId: "alias/aws/sns",
            displayName: "Approval request",
          },
          { parent: this },
        );
        new aws.sns.TopicSubscription(
          `${name}-${approver.name}-email`,
          { topic: topic.arn, protocol: "email", endpoint: approver.email },
          { parent: this },
        );
        return [approver.name, topic] as const;
      }),
    );
    const linkTopicArns = settings.approvers.filter((a) => a.channel === "link").map((a) => topics.get(a.name)!.arn);

    const table = createRequestTable(`${name}-requests`, this);
    const common = {
      logRetentionDays,
      environment: {
        TABLE_NAME: table.name,
        RECORD_RETENTION_DAYS: String(recordRetentionDays),
      },
    };

    // The iam channel (SSM Automation) exists only when some approver has iamPrincipal. The close
    // function may then stop its automations, and the state machine asks iam approvers through ssm-start.
    const iamApprovers = settings.approvers.filter((approver) => approver.iamPrincipal !== undefined);
    const ssmChannel =
      iamApprovers.length === 0
        ? undefined
        : new SsmApprovalChannel(
            `${name}-ssm`,
            {
              approvers: iamApprovers.map((approver) => ({
                name: approver.name,
                principalArn: approver.iamPrincipal!,
                topicArn: topics.get(approver.name)!.arn,
              })),
              table,
              approvalTimeoutSeconds: settings.approvalTimeoutSeconds,
              logRetentionDays,
              recordRetentionDays,
            },
            { parent: this },
          );

    const openRequest = new ApprovalFunction(
      `${name}-open-request`,
      {
        ...common,
        handlerName: "open-request",
        description: "Validates a request and opens its record",
        permissions: [tableAccess(table, ["PutItem"])],
      },
      { parent: this },
    );
    const approvalPage = new ApprovalFunction(
      `${name}-approval-page`,
      {
        ...common,
        handlerName: "approval-page",
        description: "Shows the approval page and records decisions",
        permissions: [
          tableAccess(table, ["GetItem", "UpdateItem"]),
          {
            sid: "AnswerWaitingTasks",
            actions: ["states:SendTaskFailure", "states:SendTaskSuccess"],
            resources: [NO_RESOURCE_TYPE],
          },
        ],
      },
      { parent: this },
    );
    const endpoint = new ApprovalEndpoint(
      `${name}-page`,
      {
        functionArn: approvalPage.arn,
        functionName: approvalPage.name,
        throttle: args.pageThrottle ?? { rateLimit: 10, burstLimit: 20 },
        logRetentionDays,
      },
      { parent: this },
    );
    const notifyApprover = new ApprovalFunction(
      `${name}-notify-approver`,
      {
        ...common,
        environment: { ...common.environment, APPROVAL_PAGE_URL: endpoint.url },
        handlerName: "notify-approver",
        description: "Stores an approver's task token and emails the approval link",
        permissions: [
          tableAccess(table, ["PutItem", "UpdateItem"]),
          ...(linkTopicArns.length > 0
            ? [{ sid: "PublishToApproverTopics", actions: ["sns:Publish"], resources: linkTopicArns }]
            : []),
        ],
      },
      { parent: this },
    );
    const recordExpiry = new ApprovalFunction(
      `${name}-record-expiry`,
      {
        ...common,
        handlerName: "record-expiry",
        description: "Records a missed deadline as an expired vote",
        permissions: [tableAccess(table, ["GetItem", "UpdateItem"])],
      },
      { parent: this },
    );
    const closeRequest = new ApprovalFunction(
      `${name}-close-request`,
      {
        ...common,
        handlerName: "close-request",
        description: "Closes a request and reports its outcome",
        permissions: [
          tableAccess(table, ["GetItem", "UpdateItem"]),
          // iam channel: stop the request's pending automations.
          ...(ssmChannel ? [ssmChannel.stopAutomationsPermission] : []),
        ],
      },
      { parent: this },
    );

    const definitionApprovers: pulumi.Output<DefinitionApprover[]> = pulumi.all(
      settings.approvers.map((approver) =>
        topics.get(approver.name)!.arn.apply((topicArn) => ({
          name: approver.name,
          channel: approver.channel,
          address: approver.iamPrincipal ?? approver.email,
          topicArn,
        })),
      ),
    );
    const stateMachine = new ApprovalStateMachine(
      `${name}-workflow`,
      {
        approvers: definitionApprovers,
        quorum: settings.quorum,
        timeoutSeconds: settings.approvalTimeoutSeconds,
        functions: {
          openRequest: openRequest.arn,
          notifyApprover: notifyApprover.arn,
          recordExpiry: recordExpiry.arn,
          closeRequest: closeRequest.arn,
          // iam channel: the function iam approvers' branches invoke.
          ssmStart: ssmChannel?.startFunctionArn,
        },
        logRetentionDays,
      },
      { parent: this },
    );

    this.stateMachineArn = stateMachine.arn;
    this.approvalPageUrl = endpoint.url;
    this.requestTableName = table.name;
    this.approverTopicArns = pulumi.all(
      Object.fromEntries([...topics].map(([approverName, topic]) => [approverName, topic.arn])),
    );
    this.registerOutputs({
      stateMachineArn: this.stateMachineArn,
      approvalPageUrl: this.approvalPageUrl,
      requestTableName: this.requestTableName,
      approverTopicArns: this.approverTopicArns,
    });
  }
}
