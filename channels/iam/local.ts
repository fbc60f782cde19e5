/**
 * The iam channel in the sandbox: a local SSM Automation (local/fake-ssm.ts) playing this stack's
 * approval document, a stand-in of the console's Approve/Deny page at `/console/<automation id>`,
 * and EventBridge's rule target: each end of an approve step goes to ssm-result, retried on
 * failure as the deployed rule's retry policy would, so a console decision takes the same path as
 * on AWS. An iam approver counts as asked once SSM has sent their notice and ssm-start has
 * recorded the automation, whichever comes last.
 */
import { ENV } from "../../core/environment";
import { MIN_APPROVAL_TIMEOUT_SECONDS } from "../../core/limits";
import { CONSOLE_PATH, serveConsole } from "../../local/console-page";
import { approvalNotice, startFakeSsm, type DocumentParameter, type LocalAutomation } from "../../local/fake-ssm";
import type { ApproverAsked } from "../../local/round-events";
import type { LocalChannelContext, LocalChannelFactory } from "../local-types";
import { AUTOMATION_PARAMETER as P } from "./automation-contract";
import { approvalDocumentContent, documentNameFor } from "./document";
import { IAM, IAM_MAX_TIMEOUT_SECONDS } from "./spec";

/** EventBridge's retries of a failed target invocation, shortened for a local round. */
const EVENT_DELIVERY_DELAYS_MS = [200, 1000, 3000];

/** The approve step's own timeout: the longest wait of a stage with an iam approver. */
function stepTimeoutOf(ctx: LocalChannelContext): number {
  const waits = ctx.settings.stages
    .filter((stage) => stage.approvers.some((a) => a.channel === IAM))
    .map((s) => s.timeoutSeconds);
  return Math.min(Math.max(...waits, MIN_APPROVAL_TIMEOUT_SECONDS), IAM_MAX_TIMEOUT_SECONDS);
}

/** EventBridge's rule target: ssm-result, retried on failure, then "dead-lettered" (a warning). */
async function deliverStepEvent(ctx: LocalChannelContext, event: object): Promise<void> {
  for (let attempt = 0; !ctx.stopping(); attempt++) {
    try {
      await ctx.invoke("ssm-result", event);
      await ctx.refreshDecisions();
      return;
    } catch (error) {
      if (ctx.stopping()) return;
      if (attempt >= EVENT_DELIVERY_DELAYS_MS.length) {
        const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        ctx.emit({
          type: "warning",
          message: `ssm-result failed on every attempt; the event went to the dead-letter queue: ${detail}`,
        });
        return;
      }
      await ctx.sleep(EVENT_DELIVERY_DELAYS_MS[attempt]);
    }
  }
}

/** Counts an approver as asked when both halves are in: SSM's notice, and ssm-start's record of it. */
function askTracker(ctx: LocalChannelContext) {
  const parts = new Map<string, { entry?: ApproverAsked; started: boolean }>();
  const partsOf = (automationId: string) => {
    const found = parts.get(automationId) ?? { started: false };
    parts.set(automationId, found);
    return found;
  };
  const complete = (found: { entry?: ApproverAsked; started: boolean }) => {
    if (found.entry && found.started) ctx.asked(found.entry);
  };
  return {
    notice(automationId: string, entry: ApproverAsked) {
      const found = partsOf(automationId);
      found.entry = entry;
      complete(found);
    },
    started(automationId: string) {
      const found = partsOf(automationId);
      found.started = true;
      complete(found);
    },
  };
}

export const iamLocal: LocalChannelFactory = {
  async start(ctx) {
    const documentName = documentNameFor("parallel-approval", ctx.stack, "approval-ssm", "local");
    const automationRoleArn = `arn:aws:iam::${ctx.account}:role/approval-ssm-automation-local`;
    const approverOfTopic = new Map(ctx.approvers.map((a) => [ctx.topicArnOf(a.name), a]));
    const tracker = askTracker(ctx);
    for (const approver of ctx.approvers.filter(
      (a) => ctx.sns.subscription(ctx.topicArnOf(a.name))?.confirmed === false,
    ))
      ctx.emit({
        type: "warning",
        message: `${approver.name}'s email subscription is unconfirmed: SNS would not deliver SSM's notice to them, but the iam channel does not check subscriptions, so they are still asked and can decide in the console`,
      });
    const deliveries = new Map<string, Promise<void>>();

    const notify = async (automation: LocalAutomation) => {
      const principal = automation.parameters[P.approvers]?.[0] ?? "";
      const topicArn = automation.parameters[P.notificationArn]?.[0] ?? "";
      const approver = approverOfTopic.get(topicArn);
      const link = `${ctx.pageUrl}${CONSOLE_PATH.slice(1)}${automation.id}`;
      const notice = approvalNotice(automation, link);
      const email = ctx.sns.publishFromService(topicArn, notice.subject, notice.message);
      const ask = await ctx.store.getAsk(automation.parameters[P.correlationId]?.[0] ?? "");
      if (approver && ask)
        tracker.notice(automation.id, {
          requestId: ask.requestId,
          stage: ask.stage,
          approver: approver.name,
          channel: IAM,
          address: principal,
          recipient: approver.email!,
          sender: `SSM Automation (decides as ${principal})`,
          link,
          email,
        });
    };
    const ssm = await startFakeSsm({
      region: ctx.region,
      account: ctx.account,
      documentName,
      documentParameters: approvalDocumentContent(stepTimeoutOf(ctx)).parameters as Record<string, DocumentParameter>,
      stepTimeoutSeconds: stepTimeoutOf(ctx),
      notify,
      onStepEnded: (event, automation) => deliveries.set(automation.id, deliverStepEvent(ctx, event)),
    });

    return {
      endpoints: { AWS_ENDPOINT_URL_SSM: ssm.endpoint },
      environment: { [ENV.automationDocumentName]: documentName, [ENV.automationRoleArn]: automationRoleArn },
      routes: [
        {
          prefix: CONSOLE_PATH,
          serve: (req, res) =>
            serveConsole(req, res, {
              automation: (id) => ssm.automation(id),
              decide: async (id, decision, comment) => {
                const automation = ssm.automation(id)!;
                ssm.signal(
                  id,
                  decision === "approve" ? "Approve" : "Reject",
                  automation.parameters[P.approvers]?.[0] ?? "",
                  comment,
                );
                // The console answers once the decision has gone the whole way, so the page and the printed decisions agree.
                await deliveries.get(id);
              },
            }),
        },
      ],
      onInvoked(functionKey, _payload, result) {
        const automationId =
          functionKey === "ssm-start"
            ? (result as { automationExecutionId?: string }).automationExecutionId
            : undefined;
        if (automationId !== undefined) tracker.started(automationId);
      },
      stop: () => ssm.stop(),
    };
  },
};
