/**
 * notify-approver (link channel's ask function): checks that the approver can receive email,
 * keeps the branch's task token in the store behind their ask id, and emails them one link to
 * the approval page. The token stays in the store: it is in no message, URL or log line. The
 * state machine waits for the callback (`.waitForTaskToken`), so what this returns is ignored.
 *
 * An approver without a confirmed subscription is not asked: the task fails with
 * `Approval.Unreachable` and their part is recorded as `unreachable` (counting like a missed
 * deadline), so the stage does not wait days for someone who will never see the link. SNS
 * throttling fails with `Approval.ChannelThrottled` (the state machine backs off and retries);
 * SNS refusing to publish fails with `Approval.ChannelFailed` (recorded as `failed`).
 */
import { PublishCommand } from "@aws-sdk/client-sns";
import { CHANNEL_FAILED_ERROR, CHANNEL_THROTTLED_ERROR, UNREACHABLE_ERROR, WorkflowError } from "../../core/errors";
import { adviceFor, hasAdvisorsUpTo } from "../../core/advice";
import { ENV, requireEnv } from "../../core/environment";
import { log } from "../../core/log";
import type { AskEvent } from "../../core/payloads";
import { refuseIfNotAsked } from "../../core/self-approval";
import { describeError, isThrottling } from "../adapters/aws-errors";
import { snsClient } from "../adapters/sns-client";
import { requestStoreFromEnv } from "../adapters/store";
import { composeApprovalEmail } from "./message";
import { hasConfirmedEmailSubscription } from "./subscriptions";
import { followUpApprover } from "./follow-up";
import type { IsReachable, NotifyDeps, NotifyResult, Publish } from "./deps";
// The kind alone, not spec.ts: the spec would bundle zod and the config rules into this handler.
import { LINK } from "../../channels/link/kind";

/** An SNS failure as the state machine should see it: throttled (retry later) or failed (give up). */
function channelError(approver: string, step: string, error: unknown): WorkflowError {
  const name = isThrottling(error) ? CHANNEL_THROTTLED_ERROR : CHANNEL_FAILED_ERROR;
  return new WorkflowError(name, `SNS could not ${step} for ${approver}: ${describeError(error)}`);
}

async function checkReachable(deps: NotifyDeps, event: AskEvent, topicArn: string): Promise<void> {
  const { approver, requestId } = event;
  let reachable: boolean;
  try {
    reachable = await deps.isReachable(topicArn, approver.address);
  } catch (error) {
    throw channelError(approver.name, "list the subscriptions of the topic", error);
  }
  if (reachable) return;
  log.error("approver unreachable: their topic has no confirmed email subscription; recorded as unreachable", {
    requestId,
    stage: event.stage.name,
    approver: approver.name,
    topicArn,
  });
  throw new WorkflowError(
    UNREACHABLE_ERROR,
    `${approver.name} has no confirmed email subscription (unconfirmed, unsubscribed or deleted), so they were not sent the request`,
  );
}

export async function notifyApprover(deps: NotifyDeps, event: AskEvent): Promise<NotifyResult> {
  const { requestId, request, approver, stage, timeoutSeconds, taskToken } = event;
  const topicArn = approver.topicArn;
  if (topicArn === undefined || taskToken === undefined)
    throw new Error(`notify-approver: ${approver.name} has no topic or task token`);
  const fields = { requestId, stage: stage.name, approver: approver.name };
  refuseIfNotAsked(request, stage.index, approver.name);
  // Asked again by a follow-up (a reminder, the backup): the same links, the first ask's deadline.
  if (event.followUp !== undefined) return followUpApprover(deps, event, event.followUp);
  await checkReachable(deps, event, topicArn);

  const now = deps.now?.() ?? new Date();
  // The task's own timer started a moment earlier, so it always fires first; a decision that
  // lands in between is still honoured by record-expiry.
  const deadline = new Date(now.getTime() + timeoutSeconds * 1000).toISOString();
  const stored = await deps.store.putAsk({
    requestId,
    stage: stage.index,
    approver: approver.name,
    address: approver.address,
    channel: LINK,
    taskToken,
    deadline,
    createdAt: now.toISOString(),
  });
  if (stored.kind !== "stored") {
    log.warn(
      stored.kind === "stageEnded"
        ? "stage already decided; approver not notified"
        : "request no longer open; approver not notified",
      fields,
    );
    return { notified: false, reason: stored.kind };
  }
  // Automated advice given so far: read only when the request has advisors up to this stage.
  const record = hasAdvisorsUpTo(request, stage.index) ? await deps.store.getRequest(requestId) : undefined;
  const email = composeApprovalEmail({
    request,
    stage,
    approver: approver.name,
    askId: stored.askId,
    deadline,
    approvalPageUrl: deps.approvalPageUrl,
    ...(record === undefined ? {} : { advice: adviceFor(record, stage.index) }),
  });
  try {
    await deps.publish(topicArn, email);
  } catch (error) {
    throw channelError(approver.name, "publish the approval request", error);
  }
  log.info(stored.previous ? "approver notified again (retried ask, same link)" : "approver notified", {
    ...fields,
    deadline,
  });
  return { notified: true };
}

export const snsPublish: Publish = async (topicArn, email) => {
  await snsClient().send(new PublishCommand({ TopicArn: topicArn, Subject: email.subject, Message: email.body }));
};

export const snsIsReachable: IsReachable = (topicArn, email) =>
  hasConfirmedEmailSubscription(snsClient(), topicArn, email);

export const handler = (event: AskEvent): Promise<NotifyResult> =>
  notifyApprover(
    {
      store: requestStoreFromEnv(),
      publish: snsPublish,
      isReachable: snsIsReachable,
      approvalPageUrl: requireEnv(ENV.approvalPageUrl),
    },
    event,
  );
