/**
 * notify-approver sent again by a follow-up (core/reminders.ts): stores the new task token behind
 * the approver's same ask id (the same link), and behind their backup's ask once the backup is
 * asked, then emails what this wake-up is for: a reminder saying how long is left, or the backup's
 * first email. The deadline stays the first ask's. A reminder or backup email that cannot be sent
 * is logged and does not end anyone's part: the approver already has their link, and the next
 * follow-up or the deadline comes anyway.
 */
import { describeError } from "../adapters/aws-errors";
import { adviceFor, hasAdvisorsUpTo, type AdviceEntry } from "../../core/advice";
import { log } from "../../core/log";
import type { AskEvent } from "../../core/payloads";
import type { FollowUpPlan } from "../../core/reminders";
import { composeApprovalEmail, type ApprovalEmail } from "./message";
import type { NotifyDeps, NotifyResult } from "./deps";
// The kind alone, not spec.ts: the spec would bundle zod and the config rules into this handler.
import { LINK } from "../../channels/link/kind";

interface Outgoing {
  topicArn: string;
  email: ApprovalEmail;
  to: string;
}

export async function followUpApprover(deps: NotifyDeps, event: AskEvent, plan: FollowUpPlan): Promise<NotifyResult> {
  const { requestId, request, approver, stage, taskToken } = event;
  const fields = { requestId, stage: stage.name, approver: approver.name, reminder: plan.reminder };
  const now = deps.now?.() ?? new Date();
  const placement = {
    requestId,
    stage: stage.index,
    approver: approver.name,
    channel: LINK,
    taskToken: taskToken!,
    deadline: plan.deadline,
    createdAt: now.toISOString(),
  };
  const stored = await deps.store.putAsk({ ...placement, address: approver.address });
  if (stored.kind !== "stored") {
    log.warn(
      stored.kind === "stageEnded"
        ? "stage already decided; no follow-up sent"
        : "request no longer open; no follow-up sent",
      fields,
    );
    return { notified: false, reason: stored.kind };
  }
  // The automated advice given so far, as the first email carries it (read only when there are advisors).
  const record = hasAdvisorsUpTo(request, stage.index) ? await deps.store.getRequest(requestId) : undefined;
  const advice = record === undefined ? undefined : adviceFor(record, stage.index);
  const compose = (askId: string, asBackup?: string) =>
    composeApprovalEmail({
      request,
      stage,
      approver: approver.name,
      askId,
      deadline: plan.deadline,
      approvalPageUrl: deps.approvalPageUrl,
      ...(advice === undefined ? {} : { advice }),
      ...(plan.remind ? { reminder: { number: plan.reminder, now } } : {}),
      ...(asBackup === undefined ? {} : { asBackup }),
    });
  const outgoing: Outgoing[] = [];
  if (plan.remind) outgoing.push({ topicArn: approver.topicArn!, email: compose(stored.askId), to: approver.name });
  const backup = approver.backup;
  if (backup !== undefined && (plan.escalate || plan.escalated)) {
    const asked = await deps.store.putAsk({ ...placement, address: backup.address, asBackup: backup.name });
    if (asked.kind !== "stored") return { notified: false, reason: asked.kind };
    if (plan.escalate && !(await deps.isReachable(backup.topicArn, backup.address).catch(() => false))) {
      log.error("backup unreachable: their topic has no confirmed email subscription; not emailed", {
        ...fields,
        backup: backup.name,
      });
    } else if (plan.escalate || plan.remind) {
      // The backup's first email is no reminder, whatever else this wake-up does.
      const email = plan.escalate
        ? composeFirst(deps, event, plan, asked.askId, advice)
        : compose(asked.askId, backup.name);
      outgoing.push({ topicArn: backup.topicArn, email, to: backup.name });
    }
  }
  for (const { topicArn, email, to } of outgoing) {
    try {
      await deps.publish(topicArn, email);
      log.info(to === approver.name ? "reminder sent (same link)" : "backup asked", { ...fields, to });
    } catch (error) {
      log.error("follow-up email not sent; the approver keeps their link", {
        ...fields,
        to,
        error: describeError(error),
      });
    }
  }
  return { notified: true };
}

function composeFirst(
  deps: NotifyDeps,
  event: AskEvent,
  plan: FollowUpPlan,
  askId: string,
  advice: AdviceEntry[] | undefined,
): ApprovalEmail {
  return composeApprovalEmail({
    request: event.request,
    stage: event.stage,
    approver: event.approver.name,
    askId,
    deadline: plan.deadline,
    approvalPageUrl: deps.approvalPageUrl,
    asBackup: event.approver.backup!.name,
    reminder: undefined,
    ...(advice === undefined ? {} : { advice }),
  });
}
