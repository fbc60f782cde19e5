/**
 * ApprovalWorkflow: everything one stack needs for staged, parallel approval.
 *
 * The constructor reads as the steps it takes: validate the config (before any child exists),
 * give each person a topic, create the request store and the lifecycle's dead-letter queue, let
 * each channel in use expose its grants and create its functions, create the lifecycle functions,
 * then the state machine and the rule that closes requests whose execution ended early. Every
 * child is named from stable keys (approver names, function keys), so adding, removing, renaming
 * or reordering approvers or stages never replaces another approver's resources, and a stack
 * deployed with the flat config of version 0.1 keeps every resource it had.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DefinitionStage } from "../core/definition";
import { ENV } from "../core/environment";
import { DEFAULT_LOG_RETENTION_DAYS, DEFAULT_RECORD_RETENTION_DAYS } from "../core/limits";
import { definitionStagesOf as definitionStages, peopleOf } from "../core/definition-stages";
import { channelsInUse, type WorkflowSettings } from "../core/settings";
import { GRANT, LIFECYCLE_FUNCTIONS, functionTopology } from "../core/topology";
import { CHANNEL_INFRA, type ChannelInfraContext } from "../channels/infra";
import { channelSpec, parseStackConfig } from "../channels/registry";
import { ApprovalStateMachine } from "./approval-state-machine";
import { createApproverTopics } from "./approver-topics";
import { createExecutionEndRule, createLifecycleDeadLetters } from "./execution-end-rule";
import { FunctionFactory } from "./functions";
import { GrantCatalog } from "./grants";
import { NO_RESOURCE_TYPE } from "./permissions";
import { createRequestTable, tableAccess } from "./request-store";

/** One approver as written in config; which fields apply depends on the channel (see README). */
export interface ApproverArgs {
  name: string;
  email?: string;
  iamPrincipal?: string;
  /** Link approvers: another person asked as well when this approver has not decided after `escalateAfter`. */
  backup?: { name: string; email: string };
  /** With `backup`: how long the approver has alone, e.g. 48h; shorter than the stage's approvalTimeout. */
  escalateAfter?: string;
}

export interface StageArgs {
  name: string;
  approvers: ApproverArgs[];
  quorum?: number;
  approvalTimeout?: string;
  /** Send an approver who has not decided their link again this often, e.g. 24h; shorter than approvalTimeout. */
  remindEvery?: string;
}

/** OpenID Connect sign-in on the approval page (see README, "Sign-in"). */
export interface SignInArgs {
  /** The OpenID Provider's issuer URL; https. */
  issuer: string;
  /** The client id registered for the approval page (callback `<approvalPageUrl>auth/callback`). */
  clientId: string;
  /** Name or ARN of the SSM SecureString parameter (aws/ssm key) that holds the client secret. */
  clientSecretParameter: string;
}

export interface ApprovalWorkflowArgs {
  /** The stages, run in order. Set either this or the flat `approvers` (one stage). */
  stages?: StageArgs[];
  /** One stage of approvers (the flat form). */
  approvers?: ApproverArgs[];
  /** Flat form: approvals needed; default every approver. */
  quorum?: number;
  /** Flat form: each approver's time to decide, e.g. 72h; default 7d. With stages: the default of each stage. */
  approvalTimeout?: string;
  /** Flat form: reminders for approvers who have not decided, e.g. 24h; with stages, the default of each stage. */
  remindEvery?: string;
  /** "deny" (default): the requester is not asked and, signed in, cannot decide; "allow": they may. */
  selfApproval?: "deny" | "allow";
  /** Optional: decisions on the approval page need a signed-in person whose verified email is the approver's. */
  signIn?: SignInArgs;
  /** Retention of every log group, in days. Default 90. */
  logRetentionDays?: number;
  /** Retention of request records and asks after a request closes, in days. Default 30. */
  recordRetentionDays?: number;
  /** Approval page throttle. Default 10 requests/s, burst 20. */
  pageThrottle?: { rateLimit: number; burstLimit: number };
}

/** The config keys of the args, as the validator reads them (undefined ones left out). */
function configOf(args: ApprovalWorkflowArgs): Record<string, unknown> {
  const { stages, approvers, quorum, approvalTimeout, remindEvery, selfApproval, signIn } = args;
  return Object.fromEntries(
    Object.entries({ stages, approvers, quorum, approvalTimeout, remindEvery, selfApproval, signIn }).filter(
      ([, value]) => value !== undefined,
    ),
  );
}

export class ApprovalWorkflow extends pulumi.ComponentResource {
  public readonly stateMachineArn: pulumi.Output<string>;
  /** Base URL of the approval page (when some approver decides through a link). */
  public readonly approvalPageUrl: pulumi.Output<string | undefined>;
  /** With sign-in: the redirect URI to register with the OpenID Provider (`<approvalPageUrl>auth/callback`). */
  public readonly signInCallbackUrl: pulumi.Output<string | undefined>;
  public readonly requestTableName: pulumi.Output<string>;
  /** Approver name → SNS topic ARN. */
  public readonly approverTopicArns: pulumi.Output<Record<string, string>>;
  public readonly settings: WorkflowSettings;

  constructor(name: string, args: ApprovalWorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super("parallel-approval:workflow:ApprovalWorkflow", name, {}, opts);
    // Throws ConfigError naming every bad entry, before any child resource is registered.
    const settings = parseStackConfig(configOf(args));
    this.settings = settings;
    const logRetentionDays = args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS;

    const topics = createApproverTopics(name, peopleOf(settings), this);
    const table = createRequestTable(`${name}-requests`, this);
    const deadLetters = createLifecycleDeadLetters(name, this);
    const grants = lifecycleGrants(deadLetters);
    const functions = new FunctionFactory({
      name,
      grants,
      tableAccess: (actions) => tableAccess(table, actions),
      logRetentionDays,
    });
    functions.provide(ENV.tableName, table.name);
    functions.provide(ENV.recordRetentionDays, String(args.recordRetentionDays ?? DEFAULT_RECORD_RETENTION_DAYS));

    const contexts = channelsInUse(settings).map((kind) => ({
      kind,
      ctx: {
        name,
        parent: this,
        approvers: peopleOf(settings).filter((approver) => approver.channel === kind),
        settings,
        topics,
        table,
        grants,
        functions,
        logRetentionDays,
        options: { pageThrottle: args.pageThrottle },
      } satisfies ChannelInfraContext,
    }));
    for (const { kind, ctx } of contexts) CHANNEL_INFRA[kind].prepare(ctx);
    const channelOutputs = Object.assign(
      {},
      ...contexts.map(({ kind, ctx }) => CHANNEL_INFRA[kind].create(ctx).outputs),
    );
    for (const spec of LIFECYCLE_FUNCTIONS) functions.create(spec, this);

    const stateMachine = new ApprovalStateMachine(
      `${name}-workflow`,
      {
        stages: definitionStagesOf(settings, topics),
        functions: functions.arns(),
        branches: Object.fromEntries(channelsInUse(settings).map((kind) => [kind, channelSpec(kind).branch])),
        invokes: stateMachineInvokes(settings),
        selfApproval: settings.selfApproval,
        logRetentionDays,
      },
      { parent: this },
    );
    createExecutionEndRule(
      name,
      { stateMachineArn: stateMachine.arn, closeFunction: functions.get("close-request"), deadLetters },
      this,
    );

    this.stateMachineArn = stateMachine.arn;
    this.approvalPageUrl = pulumi.output(channelOutputs.approvalPageUrl as pulumi.Output<string> | undefined);
    this.signInCallbackUrl = pulumi.output(channelOutputs.signInCallbackUrl as pulumi.Output<string> | undefined);
    this.requestTableName = table.name;
    this.approverTopicArns = pulumi.all(
      Object.fromEntries([...topics].map(([approver, topic]) => [approver, topic.arn])),
    );
    this.registerOutputs({
      stateMachineArn: this.stateMachineArn,
      approvalPageUrl: this.approvalPageUrl,
      signInCallbackUrl: this.signInCallbackUrl,
      requestTableName: this.requestTableName,
      approverTopicArns: this.approverTopicArns,
    });
  }
}

/** The grants of the lifecycle itself; channels add theirs (and what closing needs) before any function exists. */
function lifecycleGrants(deadLetters: aws.sqs.Queue): GrantCatalog {
  const grants = new GrantCatalog();
  // SendTaskSuccess / SendTaskFailure have no resource type: they can only be granted on "*".
  grants.expose(GRANT.taskCallbacks, {
    sid: "AnswerWaitingTasks",
    actions: ["states:SendTaskFailure", "states:SendTaskSuccess"],
    resources: [NO_RESOURCE_TYPE],
  });
  grants.expose(GRANT.releaseAsks);
  // Lambda sends an async invocation that failed every retry to its on-failure destination as the function's role.
  grants.expose(GRANT.lifecycleDeadLetters, {
    sid: "DeadLetterFailedCloses",
    actions: ["sqs:SendMessage"],
    resources: [deadLetters.arn],
  });
  return grants;
}

/** The keys of the functions the state machine invokes: the lifecycle and each used channel's. */
function stateMachineInvokes(settings: WorkflowSettings): string[] {
  const channelFunctions = channelsInUse(settings).flatMap((kind) => channelSpec(kind).functions);
  return functionTopology(channelFunctions)
    .filter((fn) => fn.invokedBy.includes("stateMachine"))
    .map((fn) => fn.key);
}

function definitionStagesOf(
  settings: WorkflowSettings,
  topics: ReadonlyMap<string, aws.sns.Topic>,
): pulumi.Output<DefinitionStage[]> {
  const arns = pulumi.all(Object.fromEntries([...topics].map(([person, topic]) => [person, topic.arn])));
  return arns.apply((topicArns) => definitionStages(settings, topicArns));
}
