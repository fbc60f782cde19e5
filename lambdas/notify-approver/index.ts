/**
 * notify-approver (link channel): keeps the branch's task token in the store under a fresh
 * capability id and emails the approver one link to the approval page for it. The token stays
 * in the store: it is in no message, URL or log line. The state machine waits for the callback
 * (`.waitForTaskToken`), so what this returns is ignored.
 */
import { PublishCommand } from "@aws-sdk/client-sns";
import { snsClient } from "../shared/clients";
import { freshId } from "../shared/ids";
import { log } from "../shared/log";
import type { AskApproverEvent } from "../shared/model";
import { requestStoreFromEnv, type RequestStore } from "../shared/store";
import { composeApprovalEmail, type ApprovalEmail } from "./message";

export type Publish = (topicArn: string, email: ApprovalEmail) => Promise<void>;

export interface NotifyDeps {
  store: RequestStore;
  publish: Publish;
  approvalPageUrl: string;
  now?: () => Date;
}

export type NotifyResult = { notified: true } | { notified: false; reason: "requestNotOpen" };

export async function notifyApprover(deps: NotifyDeps, event: AskApproverEvent): Promise<NotifyResult> {
  const { requestId, request, approver, timeoutSeconds } = event;
  const now = deps.now?.() ?? new Date();
  // The task's own timer started a moment earlier, so it always fires first; a decision that
  // lands in between is still honoured by record-expiry.
  const deadline = new Date(now.getTime() + timeoutSeconds * 1000).toISOString();
  const askId = freshId();
  const stored = await deps.store.putAsk({
    askId,
    requestId,
    approver: approver.name,
    address: approver.address,
    channel: "link",
    taskToken: event.taskToken,
    deadline,
    createdAt: now.toISOString(),
  });
  if (stored === "requestNotOpen") {
    log.warn("request no longer open; approver not notified", { requestId, approver: approver.name });
    return { notified: false, reason: stored };
  }
  await deps.publish(
    approver.topicArn,
    composeApprovalEmail({ request, approver: approver.name, askId, deadline, approvalPageUrl: deps.approvalPageUrl }),
  );
  log.info("approver notified", { requestId, approver: approver.name, deadline });
  return { notified: true };
}

export const snsPublish: Publish = async (topicArn, email) => {
  await snsClient().send(new PublishCommand({ TopicArn: topicArn, Subject: email.subject, Message: email.body }));
};

export const handler = (event: AskApproverEvent): Promise<NotifyResult> => {
  const approvalPageUrl = process.env.APPROVAL_PAGE_URL;
  if (!approvalPageUrl) throw new Error("APPROVAL_PAGE_URL is not set");
  return notifyApprover({ store: requestStoreFromEnv(), publish: snsPublish, approvalPageUrl }, event);
};
