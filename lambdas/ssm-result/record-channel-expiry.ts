/**
 * An iam approver can no longer decide: their approve step timed out, or someone cancelled the
 * automation. Records `expired` for them (one conditional write, like every vote) and answers
 * their waiting task the way the decision recorder answers a vote: SendTaskSuccess when the
 * expiry decides nothing, SendTaskFailure with the signal's error when it makes the outcome
 * certain. Nothing happens once the request closed or the approver already has a vote.
 *
 * It races with the state machine's own timer (record-expiry): whichever writes first records the
 * vote, the other finds it, so the request gets exactly one expiry for the approver. A callback
 * that cannot be delivered is kept on the vote as `pendingSignal` and this throws, so the event is
 * retried; record-expiry hands the same signal to the workflow if the task times out first.
 */
import { log } from "../shared/log";
import type { DecisionSource, RequestRecord, Signal, Vote } from "../shared/model";
import { signalOfVote } from "../shared/quorum";
import { branchResultOf, countsOf, quorumRuleOf } from "../shared/record-views";
import type { RecorderDeps } from "../shared/recorder";

export interface ChannelExpiryInput {
  askId: string;
  /** "deadline" for a timed-out step (as the state machine's timer records it), else what ended it. */
  decidedBy: string;
  channel: DecisionSource;
}

export type ChannelExpiryOutcome =
  | { kind: "recorded"; signal: Signal; delivery: "delivered" | "closed" }
  /** The approver already has a vote (theirs, or the state machine's expiry). */
  | { kind: "alreadyVoted"; vote: Vote }
  | { kind: "closed" }
  | { kind: "notFound" };

/** Thrown after the vote was recorded but its callback could not be delivered: retry the event. */
export class PendingCallbackError extends Error {
  constructor(requestId: string, approver: string, cause: unknown) {
    super(
      `callback for ${approver} on request ${requestId} not delivered yet: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = "Approval.CallbackPending";
  }
}

export async function recordChannelExpiry(
  deps: RecorderDeps,
  input: ChannelExpiryInput,
): Promise<ChannelExpiryOutcome> {
  const ask = await deps.store.getAsk(input.askId);
  if (ask === undefined) return { kind: "notFound" };
  const { requestId, approver } = ask;
  const now = deps.now?.() ?? new Date();
  const vote: Vote = {
    decision: "expired",
    decidedAt: now.toISOString(),
    decidedBy: input.decidedBy,
    channel: input.channel,
  };

  const applied = await deps.store.applyVote(requestId, approver, vote);
  if (applied.kind === "notFound") return { kind: "notFound" };
  if (applied.kind === "closed") return { kind: "closed" };
  if (applied.kind === "alreadyVoted") {
    await retryPendingSignal(deps, applied.request, approver, applied.vote, ask.taskToken);
    return { kind: "alreadyVoted", vote: applied.vote };
  }

  const signal = signalOfVote("expired", countsOf(applied.request), quorumRuleOf(applied.request));
  const fields = { requestId, approver, decidedBy: input.decidedBy, signal };
  if (ask.taskToken === undefined) {
    log.info("expiry recorded; the request closed meanwhile", fields);
    return { kind: "recorded", signal, delivery: "closed" };
  }
  try {
    const delivery = await deps.callbacks.deliver(ask.taskToken, signal, branchResultOf(approver, vote));
    log.info("expiry recorded", { ...fields, delivery });
    return { kind: "recorded", signal, delivery };
  } catch (error) {
    await deps.store.setPendingSignal(requestId, approver, signal);
    log.error("expiry recorded; callback not delivered, kept as pending signal", { ...fields, error });
    throw new PendingCallbackError(requestId, approver, error);
  }
}

/** A vote whose callback failed earlier: deliver it now (the request is still open) or throw to be retried. */
async function retryPendingSignal(
  deps: RecorderDeps,
  request: RequestRecord,
  approver: string,
  vote: Vote,
  taskToken: string | undefined,
): Promise<void> {
  const pending = vote.pendingSignal;
  if (pending === undefined || request.status !== "open" || taskToken === undefined) return;
  try {
    await deps.callbacks.deliver(taskToken, pending, branchResultOf(approver, vote));
  } catch (error) {
    throw new PendingCallbackError(request.requestId, approver, error);
  }
  await deps.store.clearPendingSignal(request.requestId, approver);
  log.info("pending callback delivered", { requestId: request.requestId, approver, signal: pending });
}
