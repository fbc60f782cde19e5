/**
 * record-expiry's planning mode (core/reminders.ts): an approver's wait timed out before their
 * deadline. Reads the request and their ask, and returns what this wake-up does (remind, ask the
 * backup) and how long the next wait is; raises Approval.WaitOver when there is nothing left to
 * wait for (the deadline passed, their decision or the request's end came first), so that the
 * no-decision step records the expiry or raises the signal a decision left pending.
 */
import { WorkflowError } from "../../core/errors";
import type { FollowUpEvent } from "../../core/payloads";
import { RequestNotFoundError, type StoreDeps } from "../../core/recorder";
import { planFollowUp, WAIT_OVER_ERROR, type FollowUpPlan } from "../../core/reminders";
import { isRequester } from "../../core/self-approval";

const waitOver = (why: string) => new WorkflowError(WAIT_OVER_ERROR, why);

export async function followUp(deps: StoreDeps, event: FollowUpEvent): Promise<FollowUpPlan> {
  const request = await deps.store.getRequest(event.requestId);
  if (request === undefined) throw new RequestNotFoundError(event.requestId);
  const stage = request.stages[event.stage];
  if (request.status !== "open") throw waitOver("the request is closed");
  if (stage?.votes[event.approver] !== undefined) throw waitOver(`${event.approver}'s part already ended`);
  const ref = stage.asks[event.approver];
  const ask = ref === undefined ? undefined : await deps.store.getAsk(ref.askId);
  if (ask === undefined) throw waitOver(`${event.approver} was never asked`);
  const previous = event.previous as { at?: unknown };
  const backupIsRequester =
    event.backup !== undefined &&
    (event.selfApproval ?? "deny") === "deny" &&
    isRequester(request.requestedBy, event.backup);
  return planFollowUp(
    {
      timeoutSeconds: event.timeoutSeconds,
      ...(event.remindEverySeconds === undefined ? {} : { remindEverySeconds: event.remindEverySeconds }),
      ...(event.escalateAfterSeconds === undefined ? {} : { escalateAfterSeconds: event.escalateAfterSeconds }),
    },
    {
      askedAt: ask.createdAt,
      deadline: ask.deadline,
      ...(typeof previous?.at === "number" ? { plannedAt: previous.at } : {}),
      escalated: stage.backupAsks?.[event.approver] !== undefined,
      backupAllowed: event.backup !== undefined && !backupIsRequester,
      now: deps.now?.() ?? new Date(),
    },
  );
}
