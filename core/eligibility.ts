/**
 * May this approver still decide in this stage? One rule, used by the recorder before it writes
 * (the store's conditions repeat it atomically) and by the page before it offers the form.
 *
 * With sign-in (the page proves who holds the link), the decider is part of the rule: the verified
 * email must be the address the ask went to (the approver's, or their backup's for the backup's
 * link), case-insensitively, and unless the request allows self-approval, not the requester's.
 */
import type { Outcome, RequestRecord, Vote } from "./model";
import { stageOutcomeOf } from "./quorum";
import { isRequester, normalizedIdentity } from "./self-approval";

/** Who is about to decide, as sign-in verified them, and the address the ask went to. */
export interface Decider {
  email: string;
  address: string;
}

export type Eligibility =
  | { kind: "eligible" }
  /** They already gave a verdict in this stage. */
  | { kind: "alreadyDecided"; vote: Vote }
  /** Their part ended without a verdict (deadline, unreachable, channel failure). */
  | { kind: "noLongerAsked"; vote: Vote }
  | { kind: "requestClosed"; vote?: Vote }
  /** The stage's outcome is certain: it ended with other approvers' decisions. */
  | { kind: "stageEnded"; outcome: Outcome }
  | { kind: "deadlinePassed" }
  /** Signed in as someone else than the person this link asks. */
  | { kind: "notTheApprover"; signedIn: string; address: string }
  /** Signed in as the requester, and self-approval is denied. */
  | { kind: "requester"; signedIn: string };

export function eligibilityOf(
  request: RequestRecord,
  stageIndex: number,
  approver: string,
  deadline: string,
  now: Date,
  decider?: Decider,
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
  if (decider !== undefined) {
    if (normalizedIdentity(decider.email) !== normalizedIdentity(decider.address))
      return { kind: "notTheApprover", signedIn: decider.email, address: decider.address };
    if (
      request.selfApproval !== "allow" &&
      isRequester(request.requestedBy, { name: decider.email, email: decider.email })
    )
      return { kind: "requester", signedIn: decider.email };
  }
  return { kind: "eligible" };
}
