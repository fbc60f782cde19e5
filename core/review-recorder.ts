/**
 * The recorder's path for a verdict that comes with no ask and no waiting task: an automated
 * reviewer's, which its own ask function records as soon as the reviewer answered (the state
 * machine invoked that function and waits for it to return). Same rules as every other decision
 * (core/recorder.ts): one conditional write, one vote per approver per stage, none after the stage's
 * outcome is certain or the request closed, and the signal of the vote that settles the stage,
 * which the caller raises. A reviewer's no-verdict (`abstained`) goes through recordNoVerdict.
 */
import { MAX_COMMENT_BYTES, MAX_DECIDED_BY_CHARS } from "./limits";
import { log as defaultLog } from "./log";
import type { Verdict, Vote } from "./model";
import type { VoteTarget } from "./ports";
import {
  countingOf,
  earlierAnswer,
  RequestNotFoundError,
  signalAfter,
  type NoVerdictResult,
  type StoreDeps,
} from "./recorder";
import { normalizeComment, oneLine } from "./text";

export interface VerdictInput extends VoteTarget {
  decision: Verdict;
  comment?: string;
  /** What decided (a function ARN, a model id). */
  decidedBy: string;
  channel: string;
}

/** Records the verdict unless the approver's part (or the request) already ended; returns the signal to raise. */
export async function recordVerdict(deps: StoreDeps, input: VerdictInput): Promise<NoVerdictResult> {
  if (input.decision !== "approve" && input.decision !== "reject")
    throw new TypeError(`unknown decision ${String(input.decision)}`);
  const target: VoteTarget = { requestId: input.requestId, stage: input.stage, approver: input.approver };
  const request = await deps.store.getRequest(target.requestId);
  if (request === undefined) throw new RequestNotFoundError(target.requestId);
  const stage = request.stages[target.stage];
  if (stage === undefined || ![...stage.approvers, ...stage.advisors].includes(target.approver))
    throw new Error(`${target.approver} is not an approver of stage ${target.stage} of request ${target.requestId}`);
  const earlier = await earlierAnswer(deps, request, target);
  if (earlier !== undefined) return earlier;

  const vote: Vote = {
    decision: input.decision,
    decidedAt: (deps.now?.() ?? new Date()).toISOString(),
    decidedBy: oneLine(input.decidedBy, MAX_DECIDED_BY_CHARS),
    channel: input.channel,
  };
  const comment = normalizeComment(input.comment, MAX_COMMENT_BYTES);
  if (comment !== undefined) vote.comment = comment;
  const applied = await deps.store.applyVote(target, vote, countingOf(request, target));
  if (applied.kind === "notFound") throw new RequestNotFoundError(target.requestId);
  if (applied.kind === "refused")
    return (await earlierAnswer(deps, applied.request, target)) ?? { signal: "none", recorded: false };
  const signal = signalAfter(applied.request, target, vote);
  (deps.log ?? defaultLog).info("vote recorded", { ...target, decision: vote.decision, channel: vote.channel, signal });
  return { signal, vote, recorded: true };
}
