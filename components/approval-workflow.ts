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
import { WORKFLOW_CONFIG_KEYS } from "../core/config";
import { definitionStagesOf as definitionStages, peopleOf } from "../core/definition-stages";
import { channelsInUse, type WorkflowSettings } from "../core/settings";
import { GRANT, LIFECYCLE_FUNCTIONS, functionTopology } from "../core/topology";
import { channelInfra } from "../channels/infra";
import type { ChannelInfraContext } from "../channels/infra-types";
import { channelSpec, parseStackConfig } from "../channels/registry";
import { ApprovalStateMachine } from "./approval-state-machine";
import { createApproverTopics } from "./approver-topics";
import { createExecutionEndRule, createLifecycleDeadLetters } from "./execution-end-rule";
import { FunctionFactory } from "./functions";
import { GrantCatalog } from "./grants";
import { NO_RESOURCE_TYPE } from "./permissions";
import { createRequestTable, tableAccess } from "./request-store";
import { exposeDecisionGrants } from "./decision-grants";
import { DEFAULT_DECIDED_DELIVERY } from "../core/decided-event";

/*
 * The argument types are named for the schema: Pulumi's SDK generators add "Args" to input types
 * in Python, Go and C# (ApprovalStageArgs, ApproverArgs), so these names carry no suffix.
 */

/**
 * One approver of a stage. Which fields apply depends on how they decide: `name` and `email`
 * alone get an emailed link to the approval page; adding `iamPrincipal` makes them decide in the
 * AWS console through SSM Automation instead.
 */
export interface Approver {
  /**
   * The approver's stable identity: unique within its stage, 1-32 characters of a-z, 0-9 and '-'
   * (starting with a letter or digit). It names the approver's resources, so renaming or
   * reordering other approvers never replaces theirs. The same name in several stages is one
   * person, with the same settings in each.
   */
  name: string;
  /**
   * The approver's email address: it receives the approval link, or SSM's notice that an approval
   * waits. Required for approvers who decide through a link or in the AWS console.
   */
  email?: string;
  /**
   * The ARN of an IAM user or role (no wildcards). The approver then approves or rejects in the
   * Systems Manager console or with `aws ssm send-automation-signal`; their stage may wait at most 30 days.
   */
  iamPrincipal?: string;
  /**
   * Link approvers only: another person who is asked as well when this approver has not decided
   * after `escalateAfter`; whoever of the two decides first is this approver's vote.
   */
  backup?: Backup;
  /** With `backup`: how long the approver has alone before the backup is asked too, e.g. 48h; shorter than the stage's approvalTimeout. */
  escalateAfter?: string;
  /** An automated reviewer instead of a person: the team's Lambda, or a Bedrock model (README: "Automated reviewers"). */
  reviewer?: Reviewer;
  /** Automated reviewers only: "advice" (the default; shown to people, not counted) or "vote" (counts like a person). */
  mode?: string;
}

/**
 * An automated reviewer: set `function`, or `bedrockModel` with `instructions` (one kind per
 * reviewer; the config validator refuses both or neither). A plain object of optional fields
 * rather than a union, because Pulumi's schema has no unions for other languages.
 */
export interface Reviewer {
  /** The ARN of the team's own reviewer Lambda (a version or alias may follow); it gets the request and answers { decision, comment }. */
  function?: string;
  /** A Bedrock model id or inference-profile id for the reviewer this project ships (one that supports a forced tool choice). */
  bedrockModel?: string;
  /** With bedrockModel: what the model is to check, e.g. "Reject migrations without a tested rollback." */
  instructions?: string;
}

/** A backup approver: asked as well when the approver has not decided in time (see `escalateAfter`). */
export interface Backup {
  /** The backup's name: 1-32 characters of a-z, 0-9 and '-', not the approver's own. */
  name: string;
  /** The backup's email address: it receives their own link to the approval page. */
  email: string;
}

/** OpenID Connect sign-in on the approval page (README: "Sign-in"). */
export interface SignIn {
  /** The OpenID Provider's issuer URL (https), e.g. https://accounts.google.com. */
  issuer: string;
  /** The client id registered for the approval page, whose callback is the stack output signInCallbackUrl. */
  clientId: string;
  /** Name or ARN of the SSM SecureString parameter (default aws/ssm key) that holds the client secret. */
  clientSecretParameter: string;
}

/** One stage of the workflow: its approvers are asked at once, and it ends as soon as its outcome is certain. */
export interface ApprovalStage {
  /** The stage's name: unique among the stages, 1-32 characters of a-z, 0-9 and '-'. */
  name: string;
  /** The stage's approvers (at least one; at most 50 approver entries in all stages together). */
  approvers: Approver[];
  /** How many approvals approve the stage (M of N). Default: every approver of the stage. */
  quorum?: number;
  /**
   * How long each approver of the stage has to decide, e.g. 90m, 72h, 7d or 1d12h. Default: the
   * workflow's approvalTimeout, else 7d. At most 364d (30d with an iamPrincipal approver); all stages together at most 364d.
   */
  approvalTimeout?: string;
  /** Send an approver who has not decided their link again this often, e.g. 24h (shorter than approvalTimeout). Default: the workflow's remindEvery, else none. */
  remindEvery?: string;
}

/** The approval page's API Gateway throttle. */
export interface PageThrottle {
  /** Steady-state requests per second. */
  rateLimit: number;
  /** Requests allowed in a burst. */
  burstLimit: number;
}

/**
 * What the workflow asks and how long it keeps things. Give either `stages` or the flat
 * `approvers` (with `quorum` and `approvalTimeout`), which mean one stage. The values are checked
 * before any resource is created: a mistake fails with one line per problem, naming the stage and
 * the entry. Every value must be known when the program runs (no Outputs).
 */
export interface ApprovalWorkflowArgs {
  /** The stages, run in order (at most 10): each asks its approvers at once. Set either this or approvers. */
  stages?: ApprovalStage[];
  /** One stage of approvers (the flat form). Set either this or stages. */
  approvers?: Approver[];
  /** Flat form only: how many approvals approve the request (M of N). Default: every approver. */
  quorum?: number;
  /**
   * How long each approver has to decide, e.g. 90m, 72h, 7d or 1d12h. Default 7d. With stages,
   * the default of every stage that sets none.
   */
  approvalTimeout?: string;
  /** How many days every log group keeps its logs (a CloudWatch Logs retention value). Default 90. */
  logRetentionDays?: number;
  /** How many days request records and their asks are kept after a request closes. Default 30. */
  recordRetentionDays?: number;
  /** The approval page's throttle. Default: 10 requests per second, bursts of 20. */
  pageThrottle?: PageThrottle;
  /**
   * The EventBridge bus that receives an "Approval Decided" event when a request closes (schema:
   * README, "The outcome as an event"): a bus name of this account and Region, or a bus ARN.
   * Default `default`, the account's default bus. close-request may put events on this bus only.
   */
  eventBus?: string;
  /**
   * An SNS topic ARN (standard, not FIFO) that also receives the outcome when a request closes,
   * e.g. the requesting team's. Default: none. close-request may publish to this topic only; a
   * topic encrypted with a customer managed KMS key must let the close-request role use the key.
   */
  requesterTopic?: string;
  /** Flat form: send an approver who has not decided their link again this often, e.g. 24h; with stages, the default of each stage. Default: no reminders. */
  remindEvery?: string;
  /**
   * "deny" (the default): an approver whose name or email is the request's requestedBy is not asked,
   * and, with sign-in, a signed-in requester cannot decide; "allow": the requester may approve.
   */
  selfApproval?: string;
  /** Optional: a decision on the approval page needs a signed-in person whose verified email is the approver's. */
  signIn?: SignIn;
}

/**
 * The type token ApprovalWorkflow registers: the package's own (`<package>:index:<class>`, the
 * token Pulumi's schema gives it), so the component has the same URN whether a program uses it
 * from TypeScript directly or through an SDK generated for another language.
 */
export const APPROVAL_WORKFLOW_TYPE = "parallel-approval:index:ApprovalWorkflow";

/** The config keys of the args, as the validator reads them (undefined ones left out). */
function configOf(args: ApprovalWorkflowArgs): Record<string, unknown> {
  const values = args as unknown as Record<string, unknown>;
  return Object.fromEntries(
    WORKFLOW_CONFIG_KEYS.filter((key) => values[key] !== undefined).map((key) => [key, values[key]]),
  );
}

/**
 * Staged, parallel approval on AWS: a Step Functions state machine that runs the stages in order,
 * an SNS topic per approver, the request store (DynamoDB), the HTTPS approval page and, for
 * approvers with an iamPrincipal, SSM Automation approvals. Start a request with StartExecution
 * on stateMachineArn; the execution's output says who decided what, in which stage.
 */
export class ApprovalWorkflow extends pulumi.ComponentResource {
  /**
   * The type token this class registers. A subclass may keep another one: this project's own
   * stack keeps the token its 0.1 version deployed (index.ts), so that no URN changes.
   */
  protected static readonly resourceType: string = APPROVAL_WORKFLOW_TYPE;

  /** The state machine's ARN: start a request with StartExecution on it. */
  public readonly stateMachineArn: pulumi.Output<string>;
  /** The approval page's base URL (present when some approver decides through an emailed link). */
  public readonly approvalPageUrl: pulumi.Output<string | undefined>;
  /** With sign-in: the redirect URI to register with the OpenID Provider (`<approvalPageUrl>auth/callback`). */
  public readonly signInCallbackUrl: pulumi.Output<string | undefined>;
  /** The name of the DynamoDB table that holds the requests, their asks and decisions. */
  public readonly requestTableName: pulumi.Output<string>;
  /** Each approver's SNS topic ARN, by approver name (subscribe or confirm their email there). */
  public readonly approverTopicArns: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: ApprovalWorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super((new.target as typeof ApprovalWorkflow).resourceType, name, {}, opts);
    // Throws ConfigError naming every bad entry, before any child resource is registered.
    const settings = parseStackConfig(configOf(args));
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
    const decided = settings.decided ?? DEFAULT_DECIDED_DELIVERY;
    functions.provide(ENV.decidedDelivery, JSON.stringify(decided));
    exposeDecisionGrants(grants, decided, this);

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
    for (const { kind, ctx } of contexts) channelInfra(kind).prepare(ctx);
    const channelOutputs = Object.assign(
      {},
      ...contexts.map(({ kind, ctx }) => channelInfra(kind).create(ctx).outputs),
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
