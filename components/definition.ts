/**
 * The approval state machine's definition (Amazon States Language, JSONPath, Standard workflow),
 * built from the approvers, the quorum, the timeout and the function ARNs.
 *
 * Pure: no Pulumi or AWS imports, so the deployed machine, the sandbox, the benchmarks and the
 * tests run the very same definition.
 *
 * Shape (see DESIGN.md, request lifecycle):
 *
 *   Validate input ─(no subject string)→ Invalid input (Fail: Approval.InvalidInput)
 *        │
 *   Open request ─→ Collect decisions (Parallel, one branch per approver)
 *                       │  branch: Ask <name> (waitForTaskToken, TimeoutSeconds)
 *                       │            └ States.Timeout → Expire <name> → Expiry outcome <name>
 *                       │                 ├ none → Expiry recorded <name> (branch ends with the decision)
 *                       │                 └ quorumReached | rejected | expired → Fail with the signal error
 *                       ├ signal error or normal end → Close request (its output is the execution output)
 *                       └ any other error → Close after failure → Workflow failed (Fail)
 *
 * A decision ends a branch from outside: SendTaskSuccess with a BranchResult, or SendTaskFailure
 * with a signal error, which fails the branch and so ends the Parallel state at once.
 *
 * Every state entered is a billed state transition, so tasks shape their output with
 * ResultSelector / ResultPath / OutputPath instead of extra Pass states, and Close request ends
 * the execution itself rather than going through a Succeed state.
 */
import { INVALID_INPUT_ERROR, SIGNAL_ERRORS } from "../lambdas/shared/model";
import type {
  ApproverRef,
  AskApproverEvent,
  Channel,
  CloseRequestEvent,
  OpenRequestEvent,
  RecordExpiryEvent,
  Signal,
} from "../lambdas/shared/model";

export interface DefinitionApprover {
  name: string;
  channel: Channel;
  address: string;
  topicArn: string;
}

export interface DefinitionFunctions {
  openRequest: string;
  notifyApprover: string;
  recordExpiry: string;
  closeRequest: string;
  /** Required as soon as one approver uses the iam channel. */
  ssmStart?: string;
}

export interface DefinitionArgs {
  approvers: DefinitionApprover[];
  quorum: number;
  timeoutSeconds: number;
  functions: DefinitionFunctions;
}

// ---- A small ASL model: enough to type what this builder emits, plain JSON underneath ----

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface AslRetrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: "FULL" | "NONE";
}

export interface AslCatcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

interface AslFlow {
  Next?: string;
  End?: true;
}

export interface AslTaskState extends AslFlow {
  Type: "Task";
  Comment?: string;
  Resource: string;
  Parameters?: { [key: string]: JsonValue };
  ResultSelector?: { [key: string]: JsonValue };
  ResultPath?: string | null;
  OutputPath?: string;
  TimeoutSeconds?: number;
  Retry?: AslRetrier[];
  Catch?: AslCatcher[];
}

export interface AslParallelState extends AslFlow {
  Type: "Parallel";
  Comment?: string;
  Branches: AslBranch[];
  ResultPath?: string | null;
  Catch?: AslCatcher[];
}

export interface AslChoiceRule {
  Variable?: string;
  Next?: string;
  Not?: AslChoiceRule;
  [comparison: string]: JsonValue | AslChoiceRule | undefined;
}

export interface AslChoiceState {
  Type: "Choice";
  Comment?: string;
  Choices: (AslChoiceRule & { Next: string })[];
  Default?: string;
}

export interface AslSucceedState {
  Type: "Succeed";
  Comment?: string;
  OutputPath?: string;
}

export interface AslFailState {
  Type: "Fail";
  Comment?: string;
  Error?: string;
  Cause?: string;
  CausePath?: string;
}

export type AslState = AslTaskState | AslParallelState | AslChoiceState | AslSucceedState | AslFailState;

export interface AslBranch {
  StartAt: string;
  States: Record<string, AslState>;
}

export interface AslDefinition extends AslBranch {
  Comment?: string;
  QueryLanguage: "JSONPath";
}

// ---- Names and constants ----

export const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";
export const LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN = "arn:aws:states:::lambda:invoke.waitForTaskToken";

/** Error of the Fail state reached when the Parallel state failed for a technical reason. */
export const WORKFLOW_FAILED_ERROR = "Approval.WorkflowFailed";

/** Transient Lambda service errors, retried on every Lambda task (AWS's recommended set). */
export const LAMBDA_SERVICE_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
];

const LAMBDA_RETRY: AslRetrier[] = [
  {
    ErrorEquals: LAMBDA_SERVICE_ERRORS,
    IntervalSeconds: 1,
    MaxAttempts: 3,
    BackoffRate: 2,
    JitterStrategy: "FULL",
  },
];

/**
 * Top-level state names. Branch states are named "<Prefix> <approver>" with prefixes that are
 * none of these names' leading words, and approver names contain no space, so no two states of
 * the machine can share a name whatever the approvers are called.
 */
export const STATE = {
  validateInput: "Validate input",
  invalidInput: "Invalid input",
  openRequest: "Open request",
  collectDecisions: "Collect decisions",
  closeRequest: "Close request",
  closeAfterFailure: "Close after failure",
  workflowFailed: "Workflow failed",
} as const;

export const branchStateNames = (approver: string) => ({
  ask: `Ask ${approver}`,
  expire: `Expire ${approver}`,
  expiryOutcome: `Expiry outcome ${approver}`,
  expiryRecorded: `Expiry recorded ${approver}`,
  quorumReached: `Quorum reached ${approver}`,
  rejected: `Rejected ${approver}`,
  expired: `Expired ${approver}`,
});

const APPROVER_NAME = /^[a-z0-9-]{1,32}$/;

// ---- Builder ----

export function buildDefinition(args: DefinitionArgs): AslDefinition {
  checkArgs(args);
  const { approvers, quorum, timeoutSeconds, functions } = args;

  const openRequestPayload: Payload<OpenRequestEvent> = {
    "input.$": "$",
    "executionArn.$": "$$.Execution.Id",
    "startedAt.$": "$$.Execution.StartTime",
    approvers: approvers.map((approver) => approver.name),
    quorum,
  };

  // Both the signal catch and the failure catch keep requestId in the state's data.
  const closePayload: Payload<CloseRequestEvent> = { "requestId.$": "$.requestId" };
  const closeAfterFailurePayload: Payload<CloseRequestEvent> = { "requestId.$": "$.requestId", failed: true };

  return {
    Comment: `Parallel approval: ${approvers.length} approver(s), quorum ${quorum}, ${timeoutSeconds} s per approver.`,
    QueryLanguage: "JSONPath",
    StartAt: STATE.validateInput,
    States: {
      [STATE.validateInput]: {
        Type: "Choice",
        Comment: "Reject input without a subject before anything is stored or sent.",
        // Ordered rules: a comparison on a missing path is a runtime error, so test presence first.
        Choices: [
          { Not: { Variable: "$.subject", IsPresent: true }, Next: STATE.invalidInput },
          { Variable: "$.subject", IsString: true, Next: STATE.openRequest },
        ],
        Default: STATE.invalidInput,
      },
      [STATE.invalidInput]: {
        Type: "Fail",
        Error: INVALID_INPUT_ERROR,
        Cause:
          'The execution input must be a JSON object with a "subject" string, e.g. ' +
          '{"subject": "Deploy v2 to production", "details": "...", "reviewUrl": "https://..."}.',
      },
      [STATE.openRequest]: {
        Type: "Task",
        Comment: `Validates the input and stores the request record; fails with ${INVALID_INPUT_ERROR} on bad input.`,
        Resource: LAMBDA_INVOKE,
        Parameters: { FunctionName: functions.openRequest, Payload: openRequestPayload },
        ResultSelector: { "requestId.$": "$.Payload.requestId", "request.$": "$.Payload.request" },
        Retry: LAMBDA_RETRY,
        Next: STATE.collectDecisions,
      },
      [STATE.collectDecisions]: {
        Type: "Parallel",
        Comment: "One branch per approver; a signal error from any branch ends all of them at once.",
        Branches: approvers.map((approver) => approverBranch(approver, timeoutSeconds, functions)),
        // The decisions live in the request store; the branches' results are not needed.
        ResultPath: null,
        Catch: [
          {
            ErrorEquals: [SIGNAL_ERRORS.quorumReached, SIGNAL_ERRORS.rejected, SIGNAL_ERRORS.expired],
            ResultPath: "$.signal",
            Next: STATE.closeRequest,
          },
          { ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: STATE.closeAfterFailure },
        ],
        Next: STATE.closeRequest,
      },
      [STATE.closeRequest]: {
        Type: "Task",
        Comment: "Closes the record and returns the execution output {outcome, decisions, request}.",
        Resource: LAMBDA_INVOKE,
        Parameters: { FunctionName: functions.closeRequest, Payload: closePayload },
        OutputPath: "$.Payload",
        Retry: LAMBDA_RETRY,
        End: true,
      },
      [STATE.closeAfterFailure]: {
        Type: "Task",
        Comment: "Closes the record so pending links and automations stop, then fails the execution.",
        Resource: LAMBDA_INVOKE,
        Parameters: { FunctionName: functions.closeRequest, Payload: closeAfterFailurePayload },
        ResultPath: null,
        Retry: LAMBDA_RETRY,
        Next: STATE.workflowFailed,
      },
      [STATE.workflowFailed]: {
        Type: "Fail",
        Error: WORKFLOW_FAILED_ERROR,
        // The cause of the branch failure, so the execution history says what went wrong.
        CausePath: "$.failure.Cause",
      },
    },
  };
}

function approverBranch(
  approver: DefinitionApprover,
  timeoutSeconds: number,
  functions: DefinitionFunctions,
): AslBranch {
  const names = branchStateNames(approver.name);
  const approverRef: ApproverRef = { name: approver.name, address: approver.address, topicArn: approver.topicArn };
  const askPayload: Payload<AskApproverEvent> = {
    "taskToken.$": "$$.Task.Token",
    "requestId.$": "$.requestId",
    "request.$": "$.request",
    approver: { ...approverRef },
    timeoutSeconds,
  };
  const expirePayload: Payload<RecordExpiryEvent> = { "requestId.$": "$.requestId", approver: approver.name };
  const askFunction = approver.channel === "iam" ? functions.ssmStart! : functions.notifyApprover;

  const signalFail = (signal: Exclude<Signal, "none">, cause: string): AslFailState => ({
    Type: "Fail",
    Error: SIGNAL_ERRORS[signal],
    Cause: cause,
  });

  return {
    StartAt: names.ask,
    States: {
      [names.ask]: {
        Type: "Task",
        Comment: `Asks ${approver.name} through the ${approver.channel} channel and waits for the decision.`,
        Resource: LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN,
        Parameters: { FunctionName: askFunction, Payload: askPayload },
        TimeoutSeconds: timeoutSeconds,
        Retry: LAMBDA_RETRY,
        Catch: [{ ErrorEquals: ["States.Timeout"], ResultPath: null, Next: names.expire }],
        End: true,
      },
      [names.expire]: {
        Type: "Task",
        Comment: `${approver.name}'s deadline passed: record it and learn whether that decided the request.`,
        Resource: LAMBDA_INVOKE,
        Parameters: { FunctionName: functions.recordExpiry, Payload: expirePayload },
        ResultSelector: { "signal.$": "$.Payload.signal", "decision.$": "$.Payload.decision" },
        Retry: LAMBDA_RETRY,
        Next: names.expiryOutcome,
      },
      // No Default: an unknown signal is a bug and fails the branch (caught as a workflow failure).
      [names.expiryOutcome]: {
        Type: "Choice",
        Choices: [
          { Variable: "$.signal", StringEquals: "none", Next: names.expiryRecorded },
          { Variable: "$.signal", StringEquals: "quorumReached", Next: names.quorumReached },
          { Variable: "$.signal", StringEquals: "rejected", Next: names.rejected },
          { Variable: "$.signal", StringEquals: "expired", Next: names.expired },
        ],
      },
      [names.expiryRecorded]: { Type: "Succeed", OutputPath: "$.decision" },
      [names.quorumReached]: signalFail(
        "quorumReached",
        `The quorum was already reached when ${approver.name}'s deadline passed.`,
      ),
      [names.rejected]: signalFail(
        "rejected",
        `The request was already rejected when ${approver.name}'s deadline passed.`,
      ),
      [names.expired]: signalFail(
        "expired",
        `${approver.name}'s deadline passed and the quorum can no longer be reached.`,
      ),
    },
  };
}

function checkArgs({ approvers, quorum, timeoutSeconds, functions }: DefinitionArgs): void {
  if (approvers.length === 0) throw new Error("buildDefinition: at least one approver is required");
  const seen = new Set<string>();
  for (const approver of approvers) {
    // State names embed approver names: the pattern keeps them valid and unambiguous.
    if (!APPROVER_NAME.test(approver.name)) {
      throw new Error(`buildDefinition: approver name "${approver.name}" must match ${APPROVER_NAME}`);
    }
    if (seen.has(approver.name)) throw new Error(`buildDefinition: approver "${approver.name}" is listed twice`);
    seen.add(approver.name);
    if (approver.channel === "iam" && !functions.ssmStart) {
      throw new Error(
        `buildDefinition: approver "${approver.name}" uses the iam channel but functions.ssmStart is missing`,
      );
    }
  }
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > approvers.length) {
    throw new Error(`buildDefinition: quorum ${quorum} must be an integer from 1 to ${approvers.length}`);
  }
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
    throw new Error(`buildDefinition: timeoutSeconds ${timeoutSeconds} must be a positive integer`);
  }
}

/**
 * A Lambda payload template for event type E: each field either literal (`field`) or taken
 * from a path (`field.$`). Typed against the payload contracts in model.ts, so a template
 * cannot name a field the handler does not expect.
 */
type Payload<E> = { [K in keyof E & string as K | `${K}.$`]?: JsonValue };
