/**
 * The decision recorder: the one path by which any decision (approval page, SSM console, missed
 * deadline) reaches a request. Each vote is one conditional write (one vote per approver, none
 * after close), then the callback to Step Functions for the approver's task.
 *
 * Only the vote whose atomic update crosses a threshold signals the end of the request
 * (quorum.ts: signalOfVote), so concurrent votes yield exactly one terminal signal. A callback
 * that cannot be delivered is kept on the vote as `pendingSignal` and retried on the approver's
 * next attempt; if it never gets through, the task times out and recordExpiry hands the same
 * signal to the workflow.
 *
 * Asks returned to callers never carry the task token.
 */
import { isWellFormedId } from "./ids";
import { log } from "./log";
import type { AskRecord, Channel, RecordExpiryEvent, RecordExpiryResult, RequestRecord, Signal, Vote } from "./model";
import { certainOutcome, signalFor, signalOfVote } from "./quorum";
import { branchResultOf, countsOf, decisionEntryOf, quorumRuleOf, withoutTaskToken } from "./record-views";
import type { VoteCallbacks } from "./callbacks";
import type { RequestStore } from "./store";

export interface RecorderDeps {
  store: RequestStore;
  callbacks: VoteCallbacks;
  now?: () => Date;
}

export type RecordOutcome =
  | {
      kind: "recorded";
      vote: Vote;
      signal: Signal;
      delivery: "delivered" | "closed" | "pending";
      request: RequestRecord;
      ask: AskRecord;
    }
  /** This approver already decided: their earlier vote. */
  | { kind: "duplicate"; vote: Vote; request: RequestRecord; ask: AskRecord }
  /** The request closed before this vote; `vote` is the approver's own, if the deadline recorded one. */
  | { kind: "closed"; request: RequestRecord; ask: AskRecord; vote?: Vote }
  | { kind: "deadlinePassed"; request: RequestRecord; ask: AskRecord }
  | { kind: "notFound" };

export interface DecisionInput {
  askId: string;
  decision: "approve" | "reject";
  comment?: string;
  /** Who decided; defaults to the address the ask was sent to (all a link proves about its holder). */
  decidedBy?: string;
  channel: Channel;
}

export const MAX_COMMENT_LENGTH = 1000;

/** Trimmed, at most MAX_COMMENT_LENGTH characters (callers reject longer ones; this is the backstop), undefined when empty. */
export function normalizeComment(comment: string | undefined): string | undefined {
  const trimmed = comment?.trim().slice(0, MAX_COMMENT_LENGTH);
  return trimmed ? trimmed : undefined;
}

/**
 * An ask answers only through its own channel: an iam ask's correlation id is readable by anyone
 * with ssm:GetAutomationExecution, so it must never work as an approval-page link.
 */
async function loadWithToken(
  store: RequestStore,
  askId: string,
  channel: Channel,
): Promise<{ ask: AskRecord; request: RequestRecord } | undefined> {
  if (!isWellFormedId(askId)) return undefined;
  const ask = await store.getAsk(askId);
  if (ask === undefined || ask.channel !== channel) return undefined;
  const request = await store.getRequest(ask.requestId);
  return request === undefined ? undefined : { ask, request };
}

/** A link ask and its request, for pages that only show them. Reads only; the ask has no task token. */
export async function loadAsk(
  store: RequestStore,
  askId: string,
): Promise<{ ask: AskRecord; request: RequestRecord } | undefined> {
  const loaded = await loadWithToken(store, askId, "link");
  return loaded && { ask: withoutTaskToken(loaded.ask), request: loaded.request };
}

type Refusal = Exclude<RecordOutcome, { kind: "recorded" } | { kind: "notFound" }>;

/**
 * Why a new vote from this ask's approver cannot be recorded, or undefined if it can. Their own
 * earlier decision comes first (the most useful answer to a double submission); a vote the
 * deadline recorded for them counts as a missed deadline, not as their decision.
 */
function refusalOf(request: RequestRecord, ask: AskRecord, now: Date): Refusal | undefined {
  const publicAsk = withoutTaskToken(ask);
  const existing = request.votes[ask.approver];
  if (existing !== undefined && existing.decision !== "expired")
    return { kind: "duplicate", vote: existing, request, ask: publicAsk };
  if (request.status !== "open") {
    return existing === undefined
      ? { kind: "closed", request, ask: publicAsk }
      : { kind: "closed", request, ask: publicAsk, vote: existing };
  }
  if (existing !== undefined || now.getTime() >= Date.parse(ask.deadline))
    return { kind: "deadlinePassed", request, ask: publicAsk };
  return undefined;
}

/** Retries a callback that could not be delivered earlier; on success the marker is cleared. */
async function retryPendingSignal(deps: RecorderDeps, refusal: Refusal, ask: AskRecord): Promise<Refusal> {
  if (refusal.kind !== "duplicate") return refusal;
  const pending = refusal.vote.pendingSignal;
  if (pending === undefined || refusal.request.status !== "open" || ask.taskToken === undefined) return refusal;
  const fields = { requestId: ask.requestId, approver: ask.approver, signal: pending };
  try {
    await deps.callbacks.deliver(ask.taskToken, pending, branchResultOf(ask.approver, refusal.vote));
  } catch (error) {
    log.error("pending callback still not delivered", { ...fields, error });
    return refusal;
  }
  const request = await deps.store.clearPendingSignal(ask.requestId, ask.approver);
  log.info("pending callback delivered", fields);
  return { ...refusal, request, vote: request.votes[ask.approver] };
}

export async function recordDecision(deps: RecorderDeps, input: DecisionInput): Promise<RecordOutcome> {
  if (input.decision !== "approve" && input.decision !== "reject")
    throw new TypeError(`unknown decision ${String(input.decision)}`);
  const now = deps.now?.() ?? new Date();
  const loaded = await loadWithToken(deps.store, input.askId, input.channel);
  if (loaded === undefined) return { kind: "notFound" };
  const { ask } = loaded;

  const refused = refusalOf(loaded.request, ask, now);
  if (refused !== undefined) return retryPendingSignal(deps, refused, ask);

  const vote: Vote = {
    decision: input.decision,
    decidedAt: now.toISOString(),
    decidedBy: input.decidedBy ?? ask.address,
    channel: input.channel,
  };
  const comment = normalizeComment(input.comment);
  if (comment !== undefined) vote.comment = comment;

  const applied = await deps.store.applyVote(ask.requestId, ask.approver, vote);
  if (applied.kind === "notFound") return { kind: "notFound" };
  if (applied.kind !== "applied") {
    // Lost a race (double submission, or the request closed meanwhile): answer from the fresh record.
    const refusal = refusalOf(applied.request, ask, now);
    if (refusal === undefined)
      throw new Error(`vote of ${ask.approver} refused by the store but not explained by the record`);
    return retryPendingSignal(deps, refusal, ask);
  }

  let request = applied.request;
  const signal = signalOfVote(vote.decision, countsOf(request), quorumRuleOf(request));
  const fields = {
    requestId: ask.requestId,
    approver: ask.approver,
    decision: vote.decision,
    channel: vote.channel,
    signal,
  };
  let delivery: "delivered" | "closed" | "pending";
  if (ask.taskToken === undefined) {
    delivery = "closed"; // scrubbed: the request closed while this vote was being written
  } else {
    try {
      delivery = await deps.callbacks.deliver(ask.taskToken, signal, branchResultOf(ask.approver, vote));
    } catch (error) {
      log.error("callback not delivered; kept as pending signal", { ...fields, error });
      request = await deps.store.setPendingSignal(ask.requestId, ask.approver, signal);
      delivery = "pending";
    }
  }
  log.info("vote recorded", { ...fields, delivery });
  return { kind: "recorded", vote: request.votes[ask.approver], signal, delivery, request, ask: withoutTaskToken(ask) };
}

export class RequestNotFoundError extends Error {
  constructor(requestId: string) {
    super(`request ${requestId} not found`);
    this.name = "Approval.RequestNotFound";
  }
}

/** The answer for an approver whose vote (or the request's end) came before the deadline's. */
async function expiryAnswerFor(
  deps: RecorderDeps,
  request: RequestRecord,
  approver: string,
): Promise<RecordExpiryResult | undefined> {
  const vote = request.votes[approver];
  if (request.status !== "open") return { signal: "none", decision: decisionEntryOf(approver, vote) };
  if (vote === undefined) return undefined;
  // Their decision was recorded but its callback never got through (that is why the task timed
  // out): hand the workflow the signal the callback would have carried.
  const signal = vote.pendingSignal ?? signalFor(certainOutcome(countsOf(request), quorumRuleOf(request)));
  if (vote.pendingSignal !== undefined) await deps.store.clearPendingSignal(request.requestId, approver);
  return { signal, decision: decisionEntryOf(approver, vote) };
}

/** The approver's task timed out: record `expired` for them unless they (or the request's end) came first. */
export async function recordExpiry(deps: RecorderDeps, event: RecordExpiryEvent): Promise<RecordExpiryResult> {
  const { requestId, approver } = event;
  const request = await deps.store.getRequest(requestId);
  if (request === undefined) throw new RequestNotFoundError(requestId);
  if (!request.approvers.includes(approver)) throw new Error(`${approver} is not an approver of request ${requestId}`);
  const earlier = await expiryAnswerFor(deps, request, approver);
  if (earlier !== undefined) return earlier;

  const now = deps.now?.() ?? new Date();
  const vote: Vote = { decision: "expired", decidedAt: now.toISOString(), decidedBy: "deadline", channel: "deadline" };
  const applied = await deps.store.applyVote(requestId, approver, vote);
  if (applied.kind === "notFound") throw new RequestNotFoundError(requestId);
  if (applied.kind !== "applied") {
    const raced = await expiryAnswerFor(deps, applied.request, approver);
    if (raced === undefined)
      throw new Error(`expiry of ${approver} refused by the store but not explained by the record`);
    return raced;
  }
  const signal = signalOfVote("expired", countsOf(applied.request), quorumRuleOf(applied.request));
  log.info("expiry recorded", { requestId, approver, signal });
  return { signal, decision: decisionEntryOf(approver, vote) };
}
