/**
 * The request store's data model and the payload contracts between the state machine and the
 * Lambdas. Pure types and key helpers: no AWS imports, so the definition builder, the handlers,
 * the sandbox and the tests all agree on one shape.
 *
 * One DynamoDB table, partition key `pk` (string), no sort key, TTL attribute `expiresAt`
 * (epoch seconds). Two kinds of item:
 *  - the request record, `pk = request#<requestId>`: what was asked, the counts and the votes;
 *  - an ask, `pk = ask#<askId>`: one approver's pending question. For the link channel the ask
 *    id is the approval page's capability id; for the iam channel it is the SSM correlation id.
 *    The ask holds the Step Functions task token, which never leaves the store.
 */

export const TABLE_KEY = "pk";
export const TTL_ATTRIBUTE = "expiresAt";

export const requestKey = (requestId: string): string => `request#${requestId}`;
export const askKey = (askId: string): string => `ask#${askId}`;

/** How an approver is asked. */
export type Channel = "link" | "iam";

/** What an approver's vote can be. `expired`: the approver's deadline passed without a decision. */
export type Decision = "approve" | "reject" | "expired";

/** Who decided through which path. `deadline` is the state machine's timer, not a person. */
export type DecisionSource = Channel | "deadline";

export type Outcome = "approved" | "rejected" | "expired";

export type RequestStatus = "open" | "closed";

/** What a vote changed for the request as a whole (see quorum.ts). */
export type Signal = "none" | "quorumReached" | "rejected" | "expired";

/** Step Functions error names that end the Parallel state early (SendTaskFailure or a Fail state). */
export const SIGNAL_ERRORS = {
  quorumReached: "Approval.QuorumReached",
  rejected: "Approval.Rejected",
  expired: "Approval.Expired",
} as const satisfies Record<Exclude<Signal, "none">, string>;

/** Execution input failed validation (the Choice state or the open-request Lambda). */
export const INVALID_INPUT_ERROR = "Approval.InvalidInput";

/** What the caller passes to StartExecution. */
export interface ExecutionInput {
  subject: string;
  details?: string;
  reviewUrl?: string;
  requestedBy?: string;
}

/** The request as stored, returned and shown: the validated execution input plus identity. */
export interface RequestSummary {
  id: string;
  subject: string;
  details?: string;
  reviewUrl?: string;
  requestedBy?: string;
  approvers: string[];
  quorum: number;
  openedAt: string;
  closedAt?: string;
}

export interface Vote {
  decision: Decision;
  comment?: string;
  decidedAt: string;
  /** Email the link was sent to, the IAM principal that acted in SSM, or "deadline". */
  decidedBy: string;
  channel: DecisionSource;
  /** Set only while a callback to Step Functions could not be delivered (retried on the next attempt). */
  pendingSignal?: Signal;
}

export interface AskRef {
  askId: string;
  channel: Channel;
  deadline: string;
  automationExecutionId?: string;
}

export interface RequestRecord {
  pk: string;
  requestId: string;
  status: RequestStatus;
  subject: string;
  details?: string;
  reviewUrl?: string;
  requestedBy?: string;
  executionArn: string;
  approvers: string[];
  quorum: number;
  approvals: number;
  rejections: number;
  expirations: number;
  votes: Record<string, Vote>;
  asks: Record<string, AskRef>;
  openedAt: string;
  closedAt?: string;
  outcome?: Outcome;
  expiresAt?: number;
}

export interface AskRecord {
  pk: string;
  askId: string;
  requestId: string;
  approver: string;
  /** Where the question went: an email address (link) or the IAM principal ARN (iam). */
  address: string;
  channel: Channel;
  /** Removed when the request closes. */
  taskToken?: string;
  deadline: string;
  createdAt: string;
  automationExecutionId?: string;
  expiresAt: number;
}

/** One line of the execution output's `decisions`, one per approver in config order. */
export interface DecisionEntry {
  approver: string;
  /** `none`: the request closed before this approver decided. */
  decision: Decision | "none";
  comment?: string;
  decidedAt?: string;
  decidedBy?: string;
  channel?: DecisionSource;
}

/** The execution's output (status SUCCEEDED). */
export interface ExecutionOutput {
  outcome: Outcome;
  decisions: DecisionEntry[];
  request: RequestSummary;
}

/** The approver as the definition passes it to a channel's Lambda. */
export interface ApproverRef {
  name: string;
  /** Email (link channel) or IAM principal ARN (iam channel). */
  address: string;
  topicArn: string;
}

// ---- Lambda payloads (state machine → Lambda), built by components/definition.ts ----

/** open-request: validates the execution input and writes the request record. */
export interface OpenRequestEvent {
  input: unknown;
  executionArn: string;
  startedAt: string;
  approvers: string[];
  quorum: number;
}
export interface OpenRequestResult {
  requestId: string;
  request: RequestSummary;
}

/** notify-approver (link) and ssm-start (iam): `lambda:invoke.waitForTaskToken`. */
export interface AskApproverEvent {
  taskToken: string;
  requestId: string;
  request: RequestSummary;
  approver: ApproverRef;
  timeoutSeconds: number;
}

/** record-expiry: the approver's task timed out. */
export interface RecordExpiryEvent {
  requestId: string;
  approver: string;
}
export interface RecordExpiryResult {
  signal: Signal;
  decision: DecisionEntry;
}

/** close-request: after the Parallel state ended (early, normally, or by failure). */
export interface CloseRequestEvent {
  requestId: string;
  /** True when the Parallel state failed for a technical reason. */
  failed?: boolean;
}
export type CloseRequestResult = ExecutionOutput;

/** What SendTaskSuccess returns to a branch for a vote that did not end the request. */
export type BranchResult = Required<Pick<DecisionEntry, "approver" | "decidedAt" | "decidedBy" | "channel">> & {
  decision: Decision;
  comment?: string;
};
