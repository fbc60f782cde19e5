/**
 * The domain: a request, its stages, the approvers asked in each, and their decisions, as stored
 * in the request store and returned in the execution output. Pure types and key helpers, so the
 * definition builder, the handlers, the sandbox and the tests agree on one shape.
 *
 * One DynamoDB table, partition key `pk`, no sort key, TTL attribute `expiresAt` (epoch seconds):
 *  - the request record, `request#<requestId>`: what was asked, each stage's counts and votes;
 *  - an ask, `ask#<askId>`: one approver's question in one stage. The ask id is the approval
 *    page's capability (link channel) or the SSM correlation id (iam channel); it stays the same
 *    when the question is asked again (a retried task, a reminder), while the Step Functions task
 *    token behind it is replaced. The token never leaves the store.
 */

export const TABLE_KEY = "pk";
export const TTL_ATTRIBUTE = "expiresAt";

export const requestKey = (requestId: string): string => `request#${requestId}`;
export const askKey = (askId: string): string => `ask#${askId}`;

/** A channel's name in the registry (`link`, `iam`, ...). Core knows none of them. */
export type ChannelKind = string;

/** What a person (or reviewer) decided. */
export type Verdict = "approve" | "reject";

/**
 * Why an approver's part ended without a verdict. Each counts like a missed deadline:
 * `expired` (the deadline passed), `unreachable` (they could not be sent the request),
 * `failed` (the channel broke), `abstained` (an automated reviewer gave no valid answer).
 */
export type NoVerdict = "expired" | "unreachable" | "failed" | "abstained";
export const NO_VERDICTS: readonly NoVerdict[] = ["expired", "unreachable", "failed", "abstained"];

export type Decision = Verdict | NoVerdict;

export const isVerdict = (decision: Decision): decision is Verdict => decision === "approve" || decision === "reject";

/** Who recorded a decision: a channel, or the state machine's timer. */
export type DecisionSource = ChannelKind | "deadline";

export type Outcome = "approved" | "rejected" | "expired";

/** What a decision changed for its stage (see quorum.ts). */
export type Signal = "none" | "quorumReached" | "rejected" | "expired";

/** How an approver's decision is used: `vote` counts toward the quorum, `advice` is shown to people. */
export type ApproverMode = "vote" | "advice";

/** The verified identity behind a decision, when the channel proves one (e.g. OIDC sign-in). */
export interface DecisionIdentity {
  issuer: string;
  subject: string;
}

export interface Vote {
  decision: Decision;
  comment?: string;
  /** For a decision that is no verdict: what happened, in a sentence. */
  reason?: string;
  decidedAt: string;
  /** The email the link went to, the IAM principal that acted, the reviewer, or "deadline". */
  decidedBy: string;
  identity?: DecisionIdentity;
  channel: DecisionSource;
  /** Set only while a callback to Step Functions could not be delivered (retried on the next attempt). */
  pendingSignal?: Signal;
}

/** The request's reference to one ask (what closing the request releases). */
export interface AskRef {
  askId: string;
  channel: ChannelKind;
  deadline: string;
  /** iam channel: the SSM automation waiting for this approver. */
  automationExecutionId?: string;
}

/** One stage as the request record keeps it. Counts are of voting approvers only. */
export interface StageRecord {
  name: string;
  quorum: number;
  /** Voting approvers, in config order. */
  approvers: string[];
  /** Advice-only approvers (automated reviewers in `advice` mode). */
  advisors: string[];
  approvals: number;
  rejections: number;
  /** Votes that are no verdict (expired, unreachable, failed, abstained). */
  misses: number;
  /** rejections + misses: what the store's conditions compare against the quorum. */
  declined: number;
  votes: Record<string, Vote>;
  asks: Record<string, AskRef>;
  /** Approvers of this stage who are not asked: the requester, when self-approval is denied. Not in `approvers`. */
  notAsked?: string[];
  /** The asks of approvers' backups, by the approver they stand in for (stages with backups only). */
  backupAsks?: Record<string, AskRef>;
}

export type RequestStatus = "open" | "closed";

/** How the request was closed: by its workflow, or after its execution failed, stopped or timed out. */
export type CloseReason = "completed" | "failed" | "aborted" | "timedOut";

export interface RequestFields {
  subject: string;
  details?: string;
  reviewUrl?: string;
  requestedBy?: string;
  /** What is being approved, e.g. a commit or artifact digest. */
  change?: string;
}

/** What the caller passes to StartExecution. */
export type ExecutionInput = RequestFields;

export interface RequestRecord extends RequestFields {
  pk: string;
  requestId: string;
  status: RequestStatus;
  executionArn: string;
  stages: StageRecord[];
  openedAt: string;
  closedAt?: string;
  closeReason?: CloseReason;
  outcome?: Outcome;
  /** Index of the stage that ended the request when it was not approved. */
  endedInStage?: number;
  /** When close-request sent the "Approval Decided" event (core/decided-event.ts), so a repeated close does not resend it. */
  decisionEventSentAt?: string;
  /** When close-request published the outcome to the requester topic, likewise. */
  requesterNotifiedAt?: string;
  expiresAt: number;
  /** Set only when the stack allows self-approval (the default denies it: core/self-approval.ts). */
  selfApproval?: "allow";
}

export interface AskRecord {
  pk: string;
  askId: string;
  requestId: string;
  stage: number;
  approver: string;
  /** Where the question went: an email address (link), an IAM principal ARN (iam), a reviewer (automated). */
  address: string;
  channel: ChannelKind;
  /** The waiting task's token; removed when the request closes. */
  taskToken?: string;
  deadline: string;
  createdAt: string;
  automationExecutionId?: string;
  expiresAt: number;
  /** Set when this ask went to the approver's backup (their name); `address` is then the backup's email. */
  asBackup?: string;
}

// ---- What the workflow returns ----

/** The request as returned and shown. */
export interface RequestSummary extends RequestFields {
  id: string;
  /** Every approver of every stage, each name once, in config order. */
  approvers: string[];
  /** Single-stage requests only (as before stages existed); see `stages` otherwise. */
  quorum?: number;
  stages: { name: string; quorum: number; approvers: string[]; advisors?: string[]; notAsked?: string[] }[];
  openedAt: string;
  closedAt?: string;
}

/** One approver's line in the output. `none`: their part ended (or never began) without a decision. */
export interface DecisionEntry {
  stage: string;
  approver: string;
  decision: Decision | "none";
  /** Present for advisors: their decision did not count. */
  mode?: "advice";
  comment?: string;
  reason?: string;
  decidedAt?: string;
  decidedBy?: string;
  identity?: DecisionIdentity;
  channel?: DecisionSource;
}

/** `notReached`: an earlier stage ended the request; `undecided`: the workflow stopped before the outcome was certain. */
export type StageOutcome = Outcome | "notReached" | "undecided";

export interface StageOutput {
  name: string;
  outcome: StageOutcome;
  quorum: number;
  decisions: DecisionEntry[];
}

/** The execution's output (status SUCCEEDED). */
export interface ExecutionOutput {
  outcome: Outcome;
  /** The stage that ended the request, when it was not approved. */
  endedInStage?: string;
  stages: StageOutput[];
  /** Every approver of every stage, in stage then config order. */
  decisions: DecisionEntry[];
  request: RequestSummary;
}
