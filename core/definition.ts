/**
 * The approval state machine's definition (Amazon States Language, JSONPath, Standard workflow),
 * built from the stages, the channels' branch shapes and the function ARNs. Pure, so the deployed
 * machine, the sandbox, the bench and the tests run the very same definition.
 *
 *   Open request ──→ Stage 1 (Parallel) ──→ Stage 2 (Parallel) ──→ … ──→ Close request (End)
 *     (fails the execution       │  one branch per approver:
 *      with Approval.InvalidInput│    Ask <approver> in stage <n>   (through the approver's channel)
 *      on bad input)             │      └ no verdict (timeout, unreachable, channel failure)
 *                                │          → No decision <approver> in stage <n>
 *                                ├ Approval.QuorumReached → the next stage (or Close request)
 *                                ├ Approval.Rejected | Approval.Expired → Close request
 *                                └ any other error → Close after failure → Workflow failed (Fail)
 *
 * A decision ends a branch from outside (SendTaskSuccess, or SendTaskFailure with a signal error
 * that fails the branch and so ends the stage at once); the no-decision task raises the signal
 * error itself when the missed decision settles the stage. A stage that ends normally (every
 * branch done: a stage of advisors only) moves on; close-request decides the outcome from the
 * stored counts, so no path of the machine can approve what the votes did not.
 *
 * Every state entered is a billed transition: one stage of N approvers who all approve costs
 * N + 3 (open, the Parallel, N asks, close); S stages cost Σ(Nₛ + 1) + 2. Tasks shape their
 * output with ResultSelector / ResultPath / OutputPath instead of extra Pass states.
 */
import {
  LAMBDA_INVOKE,
  LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN,
  MAX_STATE_NAME_LENGTH,
  type AslBranch,
  type AslDefinition,
  type AslRetrier,
  type AslState,
  type AslTaskState,
  type JsonValue,
  type Payload,
} from "./asl";
import type { ChannelBranch } from "./channel-spec";
import { SIGNAL_ERRORS, TASK_TIMEOUT_ERROR, WORKFLOW_FAILED_ERROR } from "./errors";
import { firstWaitSeconds, followsUp, WAIT_OVER_ERROR, type FollowUpPlan, type FollowUpRules } from "./reminders";
import { NAME_PATTERN } from "./limits";
import { THROTTLING_ERROR_NAMES } from "./throttling";
import type { ApproverMode } from "./model";
import type {
  AskEvent,
  CloseRequestEvent,
  FollowUpEvent,
  OpenRequestEvent,
  RecordExpiryEvent,
  StageLayout,
} from "./payloads";
import type { SelfApproval } from "./settings";

export interface DefinitionApprover {
  name: string;
  channel: string;
  mode: ApproverMode;
  address: string;
  /** The person's email, to recognise a requester among the approvers (core/self-approval.ts). */
  email?: string;
  topicArn?: string;
  options: { [key: string]: JsonValue };
  /** Asked as well once the approver has not decided after `escalateAfterSeconds` (channels that follow up). */
  backup?: DefinitionBackup;
}

export interface DefinitionBackup {
  name: string;
  email: string;
  topicArn: string;
  escalateAfterSeconds: number;
}

export interface DefinitionStage {
  name: string;
  quorum: number;
  timeoutSeconds: number;
  approvers: DefinitionApprover[];
  /** Approvers who have not decided are reminded this often (channels that follow up). */
  remindEverySeconds?: number;
}

export interface DefinitionArgs {
  stages: DefinitionStage[];
  /** Function ARN by topology key; must hold the lifecycle functions and every ask function used. */
  functions: Record<string, string>;
  /** The branch shape of each channel in use. */
  branches: Record<string, ChannelBranch>;
  /** Default "deny": the requester is not asked (core/self-approval.ts). */
  selfApproval?: SelfApproval;
}

/** Transient Lambda service errors: AWS's recommended retry for every Lambda task. */
export const LAMBDA_SERVICE_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
];
export const LAMBDA_THROTTLED_ERROR = "Lambda.TooManyRequestsException";

/**
 * An AWS service throttling a handler (most often the request store: DynamoDB's
 * ThrottlingException or ProvisionedThroughputExceededException) after the SDK's own 6 attempts:
 * the function fails with the SDK error's name, which this retrier matches (core/throttling.ts).
 * Without it one throttled store write would fail the whole execution. Backoff with full jitter
 * so that the branches of a stage throttled together spread out; at most about two minutes.
 */
export const SDK_THROTTLED_RETRY: AslRetrier = {
  ErrorEquals: [...THROTTLING_ERROR_NAMES],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: "FULL",
};

/**
 * https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html: service
 * errors a few times quickly; throttling (the account's concurrency is shared) longer, with full
 * jitter so that 50 branches throttled at once do not retry in lockstep; and the SDK throttling a
 * handler's own calls (SDK_THROTTLED_RETRY).
 */
export const LAMBDA_RETRY: AslRetrier[] = [
  { ErrorEquals: LAMBDA_SERVICE_ERRORS, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "FULL" },
  {
    ErrorEquals: [LAMBDA_THROTTLED_ERROR],
    IntervalSeconds: 1,
    MaxAttempts: 8,
    BackoffRate: 2,
    MaxDelaySeconds: 30,
    JitterStrategy: "FULL",
  },
  SDK_THROTTLED_RETRY,
];

export const STATE = {
  openRequest: "Open request",
  closeRequest: "Close request",
  closeAfterFailure: "Close after failure",
  workflowFailed: "Workflow failed",
} as const;

/** Stage and branch state names; approver and stage names have no spaces, so none can collide. */
export const stageStateName = (index: number, stage: string) => `Stage ${index + 1} ${stage}`;
export const branchStateNames = (stageIndex: number, approver: string) => ({
  ask: `Ask ${approver} in stage ${stageIndex + 1}`,
  noDecision: `No decision ${approver} in stage ${stageIndex + 1}`,
  /** Reminders and backups (core/reminders.ts): the planning step and the ask sent again. */
  followUp: `Follow up ${approver} in stage ${stageIndex + 1}`,
  askAgain: `Ask ${approver} again in stage ${stageIndex + 1}`,
});

/** The layout open-request stores: who counts in each stage. */
export function stageLayoutsOf(stages: DefinitionStage[]): StageLayout[] {
  return stages.map((stage) => {
    const layout: StageLayout = {
      name: stage.name,
      quorum: stage.quorum,
      timeoutSeconds: stage.timeoutSeconds,
      approvers: stage.approvers.filter((a) => a.mode === "vote").map((a) => a.name),
      advisors: stage.approvers.filter((a) => a.mode === "advice").map((a) => a.name),
    };
    const backups = stage.approvers.filter((a) => a.backup !== undefined).map((a) => a.name);
    if (backups.length > 0) layout.backups = backups;
    return layout;
  });
}

function functionArn(args: DefinitionArgs, key: string): string {
  const arn = args.functions[key];
  if (arn === undefined) throw new Error(`buildDefinition: no ARN for function "${key}"`);
  return arn;
}

function lambdaTask(
  functionName: string,
  payload: { [key: string]: JsonValue },
  rest: Partial<AslTaskState>,
): AslTaskState {
  return {
    Type: "Task",
    Resource: LAMBDA_INVOKE,
    Parameters: { FunctionName: functionName, Payload: payload },
    Retry: LAMBDA_RETRY,
    ...rest,
  };
}

function approverBranch(
  args: DefinitionArgs,
  stages: DefinitionStage[],
  index: number,
  approver: DefinitionApprover,
): AslBranch {
  const stage = stages[index];
  const names = branchStateNames(index, approver.name);
  const branch = args.branches[approver.channel];
  if (branch === undefined) throw new Error(`buildDefinition: no branch shape for channel "${approver.channel}"`);
  const waits = branch.wait === "taskToken";
  const askPayload: Payload<AskEvent> = {
    ...(waits ? { "taskToken.$": "$$.Task.Token" } : {}),
    "requestId.$": "$.requestId",
    "request.$": "$.request",
    stage: { index, name: stage.name, count: stages.length },
    approver: {
      name: approver.name,
      mode: approver.mode,
      address: approver.address,
      ...(approver.topicArn === undefined ? {} : { topicArn: approver.topicArn }),
      options: approver.options,
      ...(approver.backup === undefined
        ? {}
        : {
            backup: { name: approver.backup.name, address: approver.backup.email, topicArn: approver.backup.topicArn },
          }),
    },
    timeoutSeconds: stage.timeoutSeconds,
  };
  const noDecisionPayload: Payload<RecordExpiryEvent> = {
    "requestId.$": "$.requestId",
    stage: index,
    approver: approver.name,
    channel: approver.channel,
    // The whole error object: Cause is not always present, and a missing path fails the state.
    "error.$": "$.noDecision",
    ...(branch.noVerdictAs === undefined ? {} : { as: branch.noVerdictAs }),
  };
  const ask: AslTaskState = {
    Type: "Task",
    Comment: `Asks ${approver.name} through the ${approver.channel} channel${waits ? " and waits for the decision" : ""}.`,
    Resource: waits ? LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN : LAMBDA_INVOKE,
    Parameters: { FunctionName: functionArn(args, branch.askFunction), Payload: askPayload },
    TimeoutSeconds: stage.timeoutSeconds,
    ResultPath: null,
    Retry: [...LAMBDA_RETRY, ...(branch.retry ?? [])],
    Catch: [{ ErrorEquals: [...branch.noVerdictErrors], ResultPath: "$.noDecision", Next: names.noDecision }],
    End: true,
  };
  const noDecision = lambdaTask(functionArn(args, "record-expiry"), noDecisionPayload, {
    Comment: `${approver.name}'s part ended without a decision: record it, and end the stage if that settles it.`,
    ResultPath: null,
    End: true,
  });
  const rules = followUpRulesOf(stage, approver);
  if (branch.followUp !== true || !waits || !followsUp(rules))
    return { StartAt: names.ask, States: { [names.ask]: ask, [names.noDecision]: noDecision } };
  return {
    StartAt: names.ask,
    States: { ...followUpStates(args, index, approver, ask, askPayload, rules), [names.noDecision]: noDecision },
  };
}

const PLAN_FIELDS: readonly (keyof FollowUpPlan)[] = [
  "at",
  "waitSeconds",
  "deadline",
  "remind",
  "escalate",
  "escalated",
  "reminder",
];

function followUpRulesOf(stage: DefinitionStage, approver: DefinitionApprover): FollowUpRules {
  return {
    timeoutSeconds: stage.timeoutSeconds,
    ...(stage.remindEverySeconds === undefined ? {} : { remindEverySeconds: stage.remindEverySeconds }),
    ...(approver.backup === undefined ? {} : { escalateAfterSeconds: approver.backup.escalateAfterSeconds }),
  };
}

/**
 * An ask that follows up (core/reminders.ts): it waits at most until the first reminder or
 * escalation; a timeout then goes to the planning step, which sends the ask again with the next
 * wait (TimeoutSecondsPath), until the deadline. Only a reminder or escalation that is due adds
 * states (two each); a decision before the first one costs what an ask without follow-ups does.
 */
function followUpStates(
  args: DefinitionArgs,
  index: number,
  approver: DefinitionApprover,
  ask: AslTaskState,
  askPayload: Payload<AskEvent>,
  rules: FollowUpRules,
): Record<string, AslState> {
  const names = branchStateNames(index, approver.name);
  const others = (ask.Catch ?? []).map((c) => ({
    ...c,
    ErrorEquals: c.ErrorEquals.filter((e) => e !== TASK_TIMEOUT_ERROR),
  }));
  const first: AslTaskState = {
    ...ask,
    TimeoutSeconds: firstWaitSeconds(rules),
    // The error object stands in for the previous plan at the first follow-up.
    Catch: [{ ErrorEquals: [TASK_TIMEOUT_ERROR], ResultPath: "$.followUp", Next: names.followUp }, ...others],
  };
  const { TimeoutSeconds: _fixed, ...rest } = ask;
  const again: AslTaskState = {
    ...rest,
    Comment: `Sends ${approver.name} their link again (a reminder, or with their backup) and waits for the next follow-up.`,
    Parameters: {
      FunctionName: (ask.Parameters as { FunctionName: string }).FunctionName,
      Payload: { ...askPayload, "followUp.$": "$.followUp" },
    },
    TimeoutSecondsPath: "$.followUp.waitSeconds",
    Catch: [{ ErrorEquals: [TASK_TIMEOUT_ERROR], ResultPath: "$.timedOut", Next: names.followUp }, ...others],
  };
  const planPayload: Payload<FollowUpEvent> = {
    kind: "followUp",
    "requestId.$": "$.requestId",
    stage: index,
    approver: approver.name,
    ...rules,
    ...(approver.backup === undefined
      ? {}
      : {
          backup: { name: approver.backup.name, email: approver.backup.email },
          selfApproval: args.selfApproval ?? "deny",
        }),
    "previous.$": "$.followUp",
  };
  const plan = lambdaTask(functionArn(args, "record-expiry"), planPayload, {
    Comment: `Plans ${approver.name}'s next reminder or escalation; at the deadline raises ${WAIT_OVER_ERROR}.`,
    // The plan alone, without the invocation's metadata: it is all the next ask needs.
    ResultSelector: Object.fromEntries(PLAN_FIELDS.map((field) => [`${field}.$`, `$.Payload.${field}`])),
    ResultPath: "$.followUp",
    Catch: [{ ErrorEquals: [WAIT_OVER_ERROR], ResultPath: "$.noDecision", Next: names.noDecision }],
    Next: names.askAgain,
  });
  return { [names.ask]: first, [names.followUp]: plan, [names.askAgain]: again };
}

function stageState(args: DefinitionArgs, index: number): AslState {
  const stages = args.stages;
  const next = index + 1 < stages.length ? stageStateName(index + 1, stages[index + 1].name) : STATE.closeRequest;
  return {
    Type: "Parallel",
    Comment: `Stage ${index + 1} of ${stages.length}: quorum ${stages[index].quorum}; a signal error from any branch ends the stage at once.`,
    Branches: stages[index].approvers.map((approver) => approverBranch(args, stages, index, approver)),
    // The decisions live in the request store; the branches' results are not needed.
    ResultPath: null,
    Catch: [
      { ErrorEquals: [SIGNAL_ERRORS.quorumReached], ResultPath: "$.signal", Next: next },
      {
        ErrorEquals: [SIGNAL_ERRORS.rejected, SIGNAL_ERRORS.expired],
        ResultPath: "$.signal",
        Next: STATE.closeRequest,
      },
      { ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: STATE.closeAfterFailure },
    ],
    Next: next,
  };
}

function lifecycleStates(args: DefinitionArgs): Record<string, AslState> {
  const first = stageStateName(0, args.stages[0].name);
  const openPayload: Payload<OpenRequestEvent> = {
    "input.$": "$",
    "executionArn.$": "$$.Execution.Id",
    "startedAt.$": "$$.Execution.StartTime",
    stages: stageLayoutsOf(args.stages) as unknown as JsonValue,
    selfApproval: args.selfApproval ?? "deny",
    people: emailsOf(args.stages),
  };
  const closePayload: Payload<CloseRequestEvent> = { "requestId.$": "$.requestId" };
  const closeAfterFailurePayload: Payload<CloseRequestEvent> = { "requestId.$": "$.requestId", reason: "failed" };
  const close = functionArn(args, "close-request");
  return {
    [STATE.openRequest]: lambdaTask(functionArn(args, "open-request"), openPayload, {
      Comment: "Validates the input (failing the execution with Approval.InvalidInput) and stores the request record.",
      ResultSelector: { "requestId.$": "$.Payload.requestId", "request.$": "$.Payload.request" },
      Next: first,
    }),
    [STATE.closeRequest]: lambdaTask(close, closePayload, {
      Comment: "Closes the record and returns the execution output {outcome, stages, decisions, request}.",
      OutputPath: "$.Payload",
      End: true,
    }),
    [STATE.closeAfterFailure]: lambdaTask(close, closeAfterFailurePayload, {
      Comment: "Closes the record so pending links and automations stop, then fails the execution.",
      ResultPath: null,
      Next: STATE.workflowFailed,
    }),
    [STATE.workflowFailed]: {
      Type: "Fail",
      Error: WORKFLOW_FAILED_ERROR,
      // The cause of the stage's failure, so the execution history says what went wrong.
      CausePath: "$.failure.Cause",
    },
  };
}

/** Every approver's (and backup's) email by name, for open-request to recognise the requester. */
function emailsOf(stages: DefinitionStage[]): { [name: string]: JsonValue } {
  const people: { [name: string]: JsonValue } = {};
  for (const approver of stages.flatMap((stage) => stage.approvers)) {
    if (approver.email !== undefined) people[approver.name] = approver.email;
    if (approver.backup !== undefined) people[approver.backup.name] = approver.backup.email;
  }
  return people;
}

function checkArgs({ stages }: DefinitionArgs): void {
  if (stages.length === 0) throw new Error("buildDefinition: at least one stage is required");
  const stageNames = new Set<string>();
  stages.forEach((stage, index) => {
    // State names embed stage and approver names: the pattern keeps them valid and unambiguous.
    if (!NAME_PATTERN.test(stage.name) || stageNames.has(stage.name))
      throw new Error(`buildDefinition: stage name "${stage.name}" is invalid or listed twice`);
    stageNames.add(stage.name);
    if (stage.approvers.length === 0) throw new Error(`buildDefinition: stage "${stage.name}" has no approvers`);
    const names = new Set<string>();
    for (const approver of stage.approvers) {
      if (!NAME_PATTERN.test(approver.name) || names.has(approver.name)) {
        throw new Error(
          `buildDefinition: approver "${approver.name}" of stage "${stage.name}" is invalid or listed twice`,
        );
      }
      names.add(approver.name);
      if (branchStateNames(index, approver.name).noDecision.length > MAX_STATE_NAME_LENGTH) {
        throw new Error(
          `buildDefinition: state names for "${approver.name}" exceed ${MAX_STATE_NAME_LENGTH} characters`,
        );
      }
    }
    const voters = stage.approvers.filter((a) => a.mode === "vote").length;
    const quorumOk =
      voters === 0 ? stage.quorum === 0 : Number.isInteger(stage.quorum) && stage.quorum >= 1 && stage.quorum <= voters;
    if (!quorumOk)
      throw new Error(`buildDefinition: quorum ${stage.quorum} of stage "${stage.name}" must be from 1 to ${voters}`);
    if (!Number.isInteger(stage.timeoutSeconds) || stage.timeoutSeconds < 1) {
      throw new Error(
        `buildDefinition: timeoutSeconds ${stage.timeoutSeconds} of stage "${stage.name}" must be a positive integer`,
      );
    }
  });
}

export function buildDefinition(args: DefinitionArgs): AslDefinition {
  checkArgs(args);
  const stageStates = Object.fromEntries(
    args.stages.map((stage, index) => [stageStateName(index, stage.name), stageState(args, index)]),
  );
  const total = args.stages.reduce((sum, stage) => sum + stage.approvers.length, 0);
  return {
    Comment: `Approval in ${args.stages.length} stage(s), ${total} approver(s): ${args.stages.map((s) => `${s.name} (quorum ${s.quorum})`).join(", ")}.`,
    QueryLanguage: "JSONPath",
    StartAt: STATE.openRequest,
    States: { ...lifecycleStates(args), ...stageStates },
  };
}
