/**
 * The decision recorder: the one path by which any decision reaches a request, whatever its
 * source (the approval page, the SSM console, a deadline, an unreachable approver, a broken
 * channel, an automated reviewer). Each decision is one conditional write (one vote per approver
 * per stage; none after the stage's outcome is certain or the request closed), then, for an
 * approver whose task waits for a token, the callback to Step Functions.
 *
 * Only the vote whose atomic update crosses a threshold signals the end of its stage
 * (quorum.ts: signalOfVote), so concurrent votes yield exactly one stage-ending signal. A
 * callback that cannot be delivered is kept on the vote as `pendingSignal` and retried on the
 * approver's next attempt; if it never gets through, the task times out and the no-verdict path
 * hands the same signal to the workflow.
 *
 * Asks returned to callers never carry the task token.
 */
import { eligibilityOf, type Eligibility } from "./eligibility";
import { isWellFormedId } from "./ids";
import { MAX_COMMENT_BYTES, MAX_DECIDED_BY_CHARS, MAX_REASON_CHARS } from "./limits";
import { log as defaultLog } from "./log";
import type { AskRecord, DecisionIdentity, NoVerdict, RequestRecord, Signal, Verdict, Vote } from "./model";
import type { BranchResult, Counting, Logger, RequestStore, TaskCallbacks, VoteTarget } from "./ports";
import { certainOutcome, countsOf, ruleOf, signalFor, signalOfVote, unreachableAt } from "./quorum";
import { normalizeComment, oneLine } from "./text";
import { withoutTaskToken } from "./views";

/** What recording a vote needs; answering a waiting task needs `callbacks` too. */
export interface StoreDeps {
  store: RequestStore;
  now?: () => Date;
  log?: Logger;
}

export interface RecorderDeps extends StoreDeps {
  callbacks: TaskCallbacks;
}

export type Delivery = "delivered" | "closed" | "pending";

export type RecordOutcome =
  | { kind: "recorded"; vote: Vote; signal: Signal; delivery: Delivery; request: RequestRecord; ask: AskRecord }
  /** Not recorded: `why` says what came first (their own decision, the stage's end, the request's close, the deadline). */
  | { kind: "refused"; why: Exclude<Eligibility, { kind: "eligible" }>; request: RequestRecord; ask: AskRecord }
  | { kind: "notFound" };

export interface DecisionInput {
  askId: string;
  decision: Verdict;
  comment?: string;
  /** Who decided; defaults to the address the ask was sent to (all a link proves about its holder). */
  decidedBy?: string;
  identity?: DecisionIdentity;
  /** The channel the decision came through: an ask answers only through its own channel. */
  channel: string;
  /** Signed in (the page's OIDC sign-in): the verified email, which must be the ask's address. */
  verifiedEmail?: string;
}

export class RequestNotFoundError extends Error {
  constructor(requestId: string) {
    super(`request ${requestId} not found`);
    this.name = "Approval.RequestNotFound";
  }
}

const clock = (deps: StoreDeps) => deps.now?.() ?? new Date();
const logger = (deps: StoreDeps) => deps.log ?? defaultLog;

/** How a vote of this approver counts in their stage. */
export function countingOf(request: RequestRecord, target: VoteTarget): Counting {
  const stage = request.stages[target.stage];
  if (!stage.approvers.includes(target.approver)) return { counted: false };
  return { counted: true, quorum: stage.quorum, unreachableAt: unreachableAt(ruleOf(stage)) };
}

/** The signal a vote just applied produces for its stage. */
export function signalAfter(request: RequestRecord, target: VoteTarget, vote: Vote): Signal {
  const stage = request.stages[target.stage];
  return stage.approvers.includes(target.approver)
    ? signalOfVote(vote.decision, countsOf(stage), ruleOf(stage))
    : "none";
}

export function branchResultOf(request: RequestRecord, target: VoteTarget, vote: Vote): BranchResult {
  return {
    stage: request.stages[target.stage].name,
    approver: target.approver,
    decision: vote.decision,
    decidedAt: vote.decidedAt,
    decidedBy: vote.decidedBy,
    channel: vote.channel,
  };
}

const targetOf = (ask: AskRecord): VoteTarget => ({
  requestId: ask.requestId,
  stage: ask.stage,
  approver: ask.approver,
});

/**
 * An ask and its request, through the ask's own channel only: an iam ask's correlation id is
 * readable by anyone allowed ssm:GetAutomationExecution, so it must never work as a page link.
 */
async function loadAsk(store: RequestStore, askId: string, channel: string) {
  if (!isWellFormedId(askId)) return undefined;
  const ask = await store.getAsk(askId);
  if (ask === undefined || ask.channel !== channel) return undefined;
  const request = await store.getRequest(ask.requestId);
  return request === undefined || request.stages[ask.stage] === undefined ? undefined : { ask, request };
}

/** An ask and its request for a page that only shows them. Reads only; the ask has no task token. */
export async function loadAskForView(store: RequestStore, askId: string, channel: string) {
  const loaded = await loadAsk(store, askId, channel);
  return loaded && { ask: withoutTaskToken(loaded.ask), request: loaded.request };
}

/** Delivers a callback, keeping it as pending when Step Functions cannot be reached. */
async function deliver(deps: RecorderDeps, ask: AskRecord, request: RequestRecord, vote: Vote, signal: Signal) {
  const target = targetOf(ask);
  if (ask.taskToken === undefined) return { delivery: "closed" as const, request };
  try {
    const result = branchResultOf(request, target, vote);
    let delivery = await deps.callbacks.deliver(ask.taskToken, signal, result);
    if (delivery === "closed") {
      // The ask was sent again meanwhile (a reminder, its backup: core/reminders.ts) with a fresh
      // token behind the same id: the branch now waits on that one.
      const fresh = (await deps.store.getAsk(ask.askId))?.taskToken;
      if (fresh !== undefined && fresh !== ask.taskToken)
        delivery = await deps.callbacks.deliver(fresh, signal, result);
    }
    return { delivery, request };
  } catch (error) {
    logger(deps).error("callback not delivered; kept as pending signal", { ...target, signal, error });
    return { delivery: "pending" as const, request: await deps.store.setPendingSignal(target, signal) };
  }
}

/** A refused attempt by an approver whose earlier callback failed: deliver it now. */
async function retryPending(deps: RecorderDeps, ask: AskRecord, request: RequestRecord, vote: Vote | undefined) {
  const pending = vote?.pendingSignal;
  if (vote === undefined || pending === undefined || request.status !== "open" || ask.taskToken === undefined)
    return request;
  const target = targetOf(ask);
  try {
    await deps.callbacks.deliver(ask.taskToken, pending, branchResultOf(request, target, vote));
  } catch (error) {
    logger(deps).error("pending callback still not delivered", { ...target, signal: pending, error });
    return request;
  }
  logger(deps).info("pending callback delivered", { ...target, signal: pending });
  return deps.store.clearPendingSignal(target);
}

const deciderOf = (ask: AskRecord, verifiedEmail: string | undefined) =>
  verifiedEmail === undefined ? undefined : { email: verifiedEmail, address: ask.address };

async function refusal(
  deps: RecorderDeps,
  ask: AskRecord,
  request: RequestRecord,
  now: Date,
  verifiedEmail?: string,
): Promise<RecordOutcome> {
  const why = eligibilityOf(request, ask.stage, ask.approver, ask.deadline, now, deciderOf(ask, verifiedEmail));
  if (why.kind === "eligible")
    throw new Error(`vote of ${ask.approver} refused by the store but allowed by the record`);
  const fresh = await retryPending(deps, ask, request, request.stages[ask.stage].votes[ask.approver]);
  const explained =
    fresh === request
      ? why
      : eligibilityOf(fresh, ask.stage, ask.approver, ask.deadline, now, deciderOf(ask, verifiedEmail));
  return {
    kind: "refused",
    why: explained as Exclude<Eligibility, { kind: "eligible" }>,
    request: fresh,
    ask: withoutTaskToken(ask),
  };
}

/** A verdict from a person (or their channel): recorded once, then their waiting task is answered. */
export async function recordDecision(deps: RecorderDeps, input: DecisionInput): Promise<RecordOutcome> {
  if (input.decision !== "approve" && input.decision !== "reject")
    throw new TypeError(`unknown decision ${String(input.decision)}`);
  const now = clock(deps);
  const loaded = await loadAsk(deps.store, input.askId, input.channel);
  if (loaded === undefined) return { kind: "notFound" };
  const { ask } = loaded;
  const decider = deciderOf(ask, input.verifiedEmail);
  if (eligibilityOf(loaded.request, ask.stage, ask.approver, ask.deadline, now, decider).kind !== "eligible") {
    return refusal(deps, ask, loaded.request, now, input.verifiedEmail);
  }
  const vote: Vote = {
    decision: input.decision,
    decidedAt: now.toISOString(),
    decidedBy: oneLine(input.decidedBy ?? ask.address, MAX_DECIDED_BY_CHARS),
    channel: input.channel,
  };
  const comment = normalizeComment(input.comment, MAX_COMMENT_BYTES);
  if (comment !== undefined) vote.comment = comment;
  if (input.identity !== undefined) vote.identity = input.identity;

  const target = targetOf(ask);
  const applied = await deps.store.applyVote(target, vote, countingOf(loaded.request, target));
  if (applied.kind === "notFound") return { kind: "notFound" };
  if (applied.kind === "refused") return refusal(deps, ask, applied.request, now, input.verifiedEmail);

  const signal = signalAfter(applied.request, target, vote);
  const delivered = await deliver(deps, ask, applied.request, vote, signal);
  if (delivered.delivery === "closed") {
    // The branch was already ended by another decision (or the workflow stopped): what the vote
    // took part in is in the record as it is now, not as it was when the vote was written.
    delivered.request = (await deps.store.getRequest(ask.requestId)) ?? delivered.request;
  }
  logger(deps).info("vote recorded", {
    ...target,
    decision: vote.decision,
    channel: vote.channel,
    signal,
    delivery: delivered.delivery,
  });
  const stored = delivered.request.stages[ask.stage].votes[ask.approver] ?? vote;
  return {
    kind: "recorded",
    vote: stored,
    signal,
    delivery: delivered.delivery,
    request: delivered.request,
    ask: withoutTaskToken(ask),
  };
}

export interface NoVerdictInput extends VoteTarget {
  decision: NoVerdict;
  reason: string;
  /** "deadline" for a missed deadline; else who or what ended the approver's part. */
  decidedBy: string;
  channel: string;
}

export interface NoVerdictResult {
  signal: Signal;
  /** What this approver's part ended with: this no-verdict vote, or the vote that came first. */
  vote?: Vote;
  /** False when an earlier vote (theirs, or the request's close) came first. */
  recorded: boolean;
}

/** The answer for an approver whose vote, or the request's end, came before this no-verdict. */
export async function earlierAnswer(
  deps: StoreDeps,
  request: RequestRecord,
  target: VoteTarget,
): Promise<NoVerdictResult | undefined> {
  const stage = request.stages[target.stage];
  const vote = stage.votes[target.approver];
  if (request.status !== "open") return { signal: "none", vote, recorded: false };
  if (vote === undefined) return undefined;
  // Their decision was recorded but its callback never got through (that is why their task ended
  // this way): hand the workflow the signal the callback would have carried.
  const signal = vote.pendingSignal ?? signalFor(certainOutcome(countsOf(stage), ruleOf(stage)));
  if (vote.pendingSignal !== undefined) await deps.store.clearPendingSignal(target);
  return { signal, vote, recorded: false };
}

/**
 * An approver's part ended without a verdict: records it unless their decision (or the request's
 * end) came first, and returns the signal their branch must raise. The caller raises it: the
 * no-verdict task itself (record-expiry), or a callback to the waiting task (`answer`).
 */
export async function recordNoVerdict(deps: StoreDeps, input: NoVerdictInput): Promise<NoVerdictResult> {
  const { requestId, stage, approver } = input;
  const target: VoteTarget = { requestId, stage, approver };
  const request = await deps.store.getRequest(requestId);
  if (request === undefined) throw new RequestNotFoundError(requestId);
  const stageRecord = request.stages[stage];
  if (stageRecord === undefined || ![...stageRecord.approvers, ...stageRecord.advisors].includes(approver)) {
    throw new Error(`${approver} is not an approver of stage ${stage} of request ${requestId}`);
  }
  const earlier = await earlierAnswer(deps, request, target);
  if (earlier !== undefined) return earlier;

  const vote: Vote = {
    decision: input.decision,
    reason: oneLine(input.reason, MAX_REASON_CHARS),
    decidedAt: clock(deps).toISOString(),
    decidedBy: oneLine(input.decidedBy, MAX_DECIDED_BY_CHARS),
    channel: input.channel,
  };
  const applied = await deps.store.applyVote(target, vote, countingOf(request, target));
  if (applied.kind === "notFound") throw new RequestNotFoundError(requestId);
  if (applied.kind === "refused") {
    const raced = await earlierAnswer(deps, applied.request, target);
    // The stage ended with others' votes before this one: nothing to signal, nothing recorded.
    return raced ?? { signal: "none", recorded: false };
  }
  const signal = signalAfter(applied.request, target, vote);
  logger(deps).info("no-verdict recorded", { ...target, decision: vote.decision, reason: vote.reason, signal });
  return { signal, vote, recorded: true };
}

/**
 * recordNoVerdict for an approver whose task still waits for its token (e.g. their SSM approval
 * timed out): records, then answers the task as a vote would be answered.
 */
export async function recordNoVerdictForAsk(
  deps: RecorderDeps,
  ask: AskRecord,
  input: Omit<NoVerdictInput, keyof VoteTarget>,
): Promise<NoVerdictResult & { delivery?: Delivery }> {
  const result = await recordNoVerdict(deps, { ...targetOf(ask), ...input });
  if (result.vote === undefined || (!result.recorded && result.signal === "none")) return result;
  const request = await deps.store.getRequest(ask.requestId);
  if (request === undefined || request.status !== "open") return { ...result, delivery: "closed" };
  const delivered = await deliver(deps, ask, request, result.vote, result.signal);
  return { ...result, delivery: delivered.delivery };
}
