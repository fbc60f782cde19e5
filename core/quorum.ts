/**
 * Quorum arithmetic of one stage: pure functions over its counts.
 *
 * A stage with N voting approvers and quorum Q is approved once Q approvals are in, and can no
 * longer be approved once the votes that are not approvals (rejections + misses) exceed N - Q.
 * Both can never hold (that would take more than N votes), so the outcome is final the moment
 * either holds. A stage with no voters (advisors only) is approved: nobody can decline it.
 */
import type { Decision, Outcome, Signal, StageRecord } from "./model";

export interface StageCounts {
  approvals: number;
  rejections: number;
  misses: number;
}

export interface QuorumRule {
  voters: number;
  quorum: number;
}

export const countsOf = (stage: StageRecord): StageCounts => ({
  approvals: stage.approvals,
  rejections: stage.rejections,
  misses: stage.misses,
});

export const ruleOf = (stage: Pick<StageRecord, "approvers" | "quorum">): QuorumRule => ({
  voters: stage.approvers.length,
  quorum: stage.quorum,
});

/** Declined votes at which the quorum can no longer be reached. */
export const unreachableAt = (rule: QuorumRule): number => rule.voters - rule.quorum + 1;

/** The outcome the counts make certain, or undefined while it is open. */
export function certainOutcome(counts: StageCounts, rule: QuorumRule): Outcome | undefined {
  if (counts.approvals >= rule.quorum) return "approved";
  if (counts.rejections + counts.misses >= unreachableAt(rule)) {
    // Only missed decisions made it unreachable when nobody rejected.
    return counts.rejections > 0 ? "rejected" : "expired";
  }
  return undefined;
}

export function stageOutcomeOf(stage: StageRecord): Outcome | undefined {
  return certainOutcome(countsOf(stage), ruleOf(stage));
}

const SIGNAL_OF: Record<Outcome, Exclude<Signal, "none">> = {
  approved: "quorumReached",
  rejected: "rejected",
  expired: "expired",
};

export function signalFor(outcome: Outcome | undefined): Signal {
  return outcome === undefined ? "none" : SIGNAL_OF[outcome];
}

/**
 * The signal one counted vote produces, given the counts *after* it was atomically applied. Only
 * the vote that crosses a threshold signals, so concurrent votes yield exactly one stage-ending
 * signal: the counts only grow and each atomic update sees a distinct value.
 */
export function signalOfVote(decision: Decision, after: StageCounts, rule: QuorumRule): Signal {
  if (decision === "approve") return after.approvals === rule.quorum ? "quorumReached" : "none";
  if (after.rejections + after.misses === unreachableAt(rule)) return after.rejections > 0 ? "rejected" : "expired";
  return "none";
}
