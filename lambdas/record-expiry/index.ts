/**
 * record-expiry: an approver's ask ended without a verdict (their deadline passed, they could not
 * be reached, their channel failed). Records that through the recorder, unless their decision or
 * the request's end came first, and raises the stage-ending signal itself when it settles the
 * stage (the branch fails with it and the Parallel ends); otherwise the branch simply ends.
 */
import { noVerdictOf } from "../../core/channel-spec";
import { SIGNAL_ERRORS, WorkflowError } from "../../core/errors";
import type { Signal } from "../../core/model";
import type { FollowUpEvent, RecordExpiryEvent, RecordExpiryResult } from "../../core/payloads";
import type { FollowUpPlan } from "../../core/reminders";
import { followUp } from "./follow-up";
import { recordNoVerdict, type StoreDeps } from "../../core/recorder";
import { NOT_ASKED_ERROR } from "../../core/self-approval";
import { requestStoreFromEnv } from "../adapters/store";

const CAUSES: Record<Exclude<Signal, "none">, string> = {
  quorumReached: "the quorum was already reached",
  rejected: "the stage can no longer be approved and someone rejected it",
  expired: "the stage can no longer be approved: too many approvers did not decide",
};

export async function recordExpiry(deps: StoreDeps, event: RecordExpiryEvent): Promise<RecordExpiryResult> {
  // The requester, not asked (self-approval denied): they are no approver of the stage; nothing to record.
  if (event.error?.Error === NOT_ASKED_ERROR) return { signal: "none", approver: event.approver, decision: "none" };
  const { decision, reason } = noVerdictOf(event.error?.Error ?? "", event.error?.Cause, event.as);
  const result = await recordNoVerdict(deps, {
    requestId: event.requestId,
    stage: event.stage,
    approver: event.approver,
    decision,
    reason,
    decidedBy: decision === "expired" ? "deadline" : "workflow",
    channel: decision === "expired" ? "deadline" : event.channel,
  });
  if (result.signal !== "none") {
    throw new WorkflowError(
      SIGNAL_ERRORS[result.signal],
      `${event.approver} ${decision === "expired" ? "missed the deadline" : `is ${decision}`}; ${CAUSES[result.signal]}`,
    );
  }
  return { signal: "none", approver: event.approver, decision: result.vote?.decision ?? "none" };
}

/** The state machine's two uses: a part that ended without a verdict, or planning a follow-up (follow-up.ts). */
export function handler(event: RecordExpiryEvent): Promise<RecordExpiryResult>;
export function handler(event: FollowUpEvent): Promise<FollowUpPlan>;
export function handler(event: RecordExpiryEvent | FollowUpEvent): Promise<RecordExpiryResult | FollowUpPlan> {
  const deps = { store: requestStoreFromEnv() };
  return "kind" in event && event.kind === "followUp"
    ? followUp(deps, event)
    : recordExpiry(deps, event as RecordExpiryEvent);
}
