/**
 * What closing a request decides. Pure.
 *
 * Stages run in order and the request is approved only if every stage is: the first stage whose
 * outcome is not `approved` decides the request. The outcome is computed from the stored counts,
 * never from the path the workflow took, so a workflow that moved on wrongly cannot approve.
 */
import type { CloseReason, Outcome, RequestRecord } from "./model";
import { stageOutcomeOf } from "./quorum";

export interface OutcomeAtClose {
  /** Undefined when the workflow stopped before the outcome was certain. */
  outcome?: Outcome;
  /** The stage that ended the request, when it is not approved. */
  endedInStage?: number;
  /** The workflow completed, yet the counts decide nothing: a bug upstream, reported as `expired`. */
  inconsistent: boolean;
}

export function outcomeAtClose(request: RequestRecord, reason: CloseReason): OutcomeAtClose {
  for (const [index, stage] of request.stages.entries()) {
    const outcome = stageOutcomeOf(stage);
    if (outcome === "approved") continue;
    if (outcome !== undefined) return { outcome, endedInStage: index, inconsistent: false };
    if (reason !== "completed") return { inconsistent: false };
    // A completed workflow means every stage ran to a certain outcome: N votes always decide.
    // If that ever fails to hold, the request is not approved.
    return { outcome: "expired", endedInStage: index, inconsistent: true };
  }
  return reason === "completed" ? { outcome: "approved", inconsistent: false } : { inconsistent: false };
}
