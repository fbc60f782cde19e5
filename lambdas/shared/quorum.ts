/**
 * Quorum arithmetic: pure functions over a request's vote counts.
 *
 * A request with N approvers and quorum Q is approved once Q approvals are in, and can no longer
 * be approved once the votes that are not approvals (rejections + expirations) exceed N - Q.
 * The two can never both hold (that would need more than N votes), so the outcome is final the
 * moment either holds.
 */
import type { Decision, Outcome, Signal } from "./model";

export interface VoteCounts {
  approvals: number;
  rejections: number;
  expirations: number;
}

export interface QuorumRule {
  approverCount: number;
  quorum: number;
}

/** The outcome the counts make certain, or undefined while it is still open. */
export function certainOutcome(counts: VoteCounts, rule: QuorumRule): Outcome | undefined {
  if (counts.approvals >= rule.quorum) return "approved";
  if (counts.rejections + counts.expirations > rule.approverCount - rule.quorum) {
    // Only missed deadlines made it unreachable when nobody rejected.
    return counts.rejections > 0 ? "rejected" : "expired";
  }
  return undefined;
}

const SIGNAL_OF: Record<Outcome, Exclude<Signal, "none">> = {
  approved: "quorumReached",
  rejected: "rejected",
  expired: "expired",
};

/** The signal that ends the request for a given (certain) outcome. */
export function signalFor(outcome: Outcome | undefined): Signal {
  return outcome === undefined ? "none" : SIGNAL_OF[outcome];
}

/**
 * The signal a single vote produces, given the counts *after* it was atomically applied.
 * Only the vote that crosses a threshold signals, so concurrent votes yield exactly one
 * terminal signal: the counts only grow and each atomic update sees a distinct value.
 */
export function signalOfVote(decision: Decision, after: VoteCounts, rule: QuorumRule): Signal {
  const unreachableAt = rule.approverCount - rule.quorum + 1;
  if (decision === "approve") {
    return after.approvals === rule.quorum ? "quorumReached" : "none";
  }
  if (after.rejections + after.expirations === unreachableAt) {
    return after.rejections > 0 ? "rejected" : "expired";
  }
  return "none";
}
