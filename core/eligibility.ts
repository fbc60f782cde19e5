/**
 * May this approver still decide in this stage? One rule, used by the recorder before it writes
 * (the store's conditions repeat it atomically) and by the page before it offers the form.
 */
import type { Outcome, RequestRecord, Vote } from "./model";
import { stageOutcomeOf } from "./quorum";

export type Eligibility =
  | { kind: "eligible" }
  /** They already gave a verdict in this stage. */
  | { kind: "alreadyDecided"; vote: Vote }
  /** Their part ended without a verdict (deadline, unreachable, channel failure). */
  | { kind: "noLongerAsked"; vote: Vote }
  | { kind: "requestClosed"; vote?: Vote }
  /** The stage's outcome is certain: it ended with other approvers' decisions. */
  | { kind: "stageEnded"; outcome: Outcome }
  | { kind: "deadlinePassed" };

export function eligibilityOf(
  request: RequestRecord,
  stageIndex: number,
  approver: string,
  deadline: string,
  now: Date,
): Eligibility {
  const stage = request.stages[stageIndex];
  const vote = stage?.votes[approver];
  if (vote !== undefined && (vote.decision === "approve" || vote.decision === "reject"))
    return { kind: "alreadyDecided", vote };
  if (request.status !== "open")
    return vote === undefined ? { kind: "requestClosed" } : { kind: "requestClosed", vote };
  if (vote !== undefined) return { kind: "noLongerAsked", vote };
  const counted = stage.approvers.includes(approver);
  const outcome = stageOutcomeOf(stage);
  // An advisor's view still helps later stages, so only a voter is turned away from an ended stage.
  if (counted && outcome !== undefined) return { kind: "stageEnded", outcome };
  if (now.getTime() >= Date.parse(deadline)) return { kind: "deadlinePassed" };
  return { kind: "eligible" };
}
