/**
 * What the domain needs from the outside world, as interfaces: the request store, the callbacks
 * that answer a waiting Step Functions task, and the logger. Adapters (lambdas/adapters/) and
 * test fakes implement them; core code depends only on these.
 */
import type { AskRecord, AskRef, CloseReason, Outcome, RequestRecord, Signal, Vote } from "./model";

/** A request record as first written: everything but the key, which the store derives. */
export type NewRequestRecord = Omit<RequestRecord, "pk">;

export type OpenResult = { kind: "opened" | "alreadyOpen"; request: RequestRecord };

/** One approver of one stage of one request. */
export interface VoteTarget {
  requestId: string;
  stage: number;
  approver: string;
}

/** What an ask function stores before it asks: the waiting task's token, kept only here. */
export interface AskPlacement extends VoteTarget {
  address: string;
  channel: string;
  taskToken: string;
  deadline: string;
  createdAt: string;
  /** The ask goes to the approver's backup (this name), behind its own stable ask id. */
  asBackup?: string;
}

export type PutAskResult =
  /** `previous`: the earlier attempt's ask when the question is asked again (same ask id, new token). */
  | { kind: "stored"; askId: string; previous?: AskRef }
  | { kind: "requestNotOpen" }
  /** Other decisions already settled this voter's stage: asking them now would only mislead. */
  | { kind: "stageEnded" };

/** How a vote counts: not at all (advice), or toward the stage's quorum with its thresholds. */
export type Counting = { counted: false } | { counted: true; quorum: number; unreachableAt: number };

export type ApplyVoteResult =
  | { kind: "applied"; request: RequestRecord }
  /** A condition failed (already voted, closed, stage ended): the fresh record explains which. */
  | { kind: "refused"; request: RequestRecord }
  | { kind: "notFound" };

export interface CloseFields {
  outcome?: Outcome;
  endedInStage?: number;
  reason: CloseReason;
  closedAt: Date;
}

export type CloseResult =
  { kind: "closed"; request: RequestRecord } | { kind: "alreadyClosed"; request: RequestRecord } | { kind: "notFound" };

/** Where the outcome of a closed request was published (the record notes each, once). */
export type DecisionDestination = "eventBus" | "requesterTopic";

export interface RequestStore {
  /** Writes the record unless one exists for this request id (a retried open), which is returned. */
  openRequest(record: NewRequestRecord): Promise<OpenResult>;
  getRequest(requestId: string): Promise<RequestRecord | undefined>;
  getAsk(askId: string): Promise<AskRecord | undefined>;
  /**
   * Stores the task token behind the approver's ask id (created on the first ask of the stage,
   * reused when the question is asked again) and references the ask from the request record.
   */
  putAsk(placement: AskPlacement): Promise<PutAskResult>;
  /** Atomically adds the vote (and counts it) unless the request closed, they voted, or the stage ended. */
  applyVote(target: VoteTarget, vote: Vote, counting: Counting): Promise<ApplyVoteResult>;
  setPendingSignal(target: VoteTarget, signal: Signal): Promise<RequestRecord>;
  clearPendingSignal(target: VoteTarget): Promise<RequestRecord>;
  /** Closes an open request and starts its retention TTL. */
  closeRequest(requestId: string, fields: CloseFields): Promise<CloseResult>;
  /** Removes the task token from every ask of the request. */
  scrubTaskTokens(request: RequestRecord): Promise<void>;
  /** Notes that the closed request's outcome went to `destination` (first time only; later calls change nothing). */
  markDecisionPublished(requestId: string, destination: DecisionDestination, at: Date): Promise<void>;
  /** Notes the channel's own id for a pending ask (e.g. the SSM automation), on the ask and the open request. */
  setAskHandle(
    ask: Pick<AskRecord, "askId" | "requestId" | "stage" | "approver">,
    handle: string,
  ): Promise<"recorded" | "requestNotOpen">;
}

/** What SendTaskSuccess hands back to a branch whose vote did not end the stage. */
export interface BranchResult {
  stage: string;
  approver: string;
  decision: Vote["decision"];
  decidedAt: string;
  decidedBy: string;
  channel: string;
}

export type CallbackDelivery = "delivered" | "closed";

export interface TaskCallbacks {
  /** "closed": the task no longer waits (timed out, ended, unknown), so there is nobody to tell. */
  deliver(taskToken: string, signal: Signal, result: BranchResult): Promise<CallbackDelivery>;
}

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
