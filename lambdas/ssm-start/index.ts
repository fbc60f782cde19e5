/**
 * ssm-start (iam channel's ask function): keeps the branch's task token in the request store
 * behind the approver's ask id and starts the approval automation for this one approver, passing
 * that id as the correlation id and never the token (automation parameters are readable by anyone
 * allowed ssm:GetAutomationExecution, and hold 512 characters where a token may need 2,048). The
 * automation execution id is then noted on the ask and the request, so closing the request can
 * stop it and the result function can tell it from any other. A retried ask keeps its ask id and
 * stops the automation of the attempt before. The automation is tagged with this stack's document
 * name, which is all the stack's roles may touch.
 *
 * SSM throttling or its account limit (100 automations running, 1,000 queued:
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/adaptive-concurrency.html) fails
 * with `Approval.ChannelThrottled`, which the state machine retries with backoff; any other
 * refusal fails with `Approval.ChannelFailed`. Either way, once retries are spent, only this
 * approver's part ends (as `failed`); the rest of the stage goes on.
 */
import { adviceFor, hasAdvisorsUpTo } from "../../core/advice";
import { CHANNEL_FAILED_ERROR, CHANNEL_THROTTLED_ERROR, WorkflowError } from "../../core/errors";
import { ENV, requireEnv } from "../../core/environment";
import { log } from "../../core/log";
import type { RequestStore } from "../../core/ports";
import { refuseIfNotAsked } from "../../core/self-approval";
import type { AskEvent } from "../../core/payloads";
import { STACK_TAG_KEY } from "../../channels/iam/automation-contract";
// The kind alone, not spec.ts: the spec would bundle zod and the config rules into this handler.
import { IAM } from "../../channels/iam/kind";
import { describeError, isThrottling } from "../adapters/aws-errors";
import { ssmAutomations, type Automations } from "../adapters/ssm-automations";
import { ssmClient } from "../adapters/ssm-client";
import { requestStoreFromEnv } from "../adapters/store";
import { approvalMessage, automationParameters } from "./automation-request";

export interface SsmStartDeps {
  store: RequestStore;
  automations: Automations;
  documentName: string;
  automationRoleArn: string;
  now?: () => Date;
}

export type SsmStartResult =
  { started: true; automationExecutionId: string } | { started: false; reason: "requestNotOpen" | "stageEnded" };

async function stopQuietly(
  deps: SsmStartDeps,
  automationExecutionId: string,
  fields: Record<string, unknown>,
  why: string,
): Promise<void> {
  try {
    log.info(why, { ...fields, automationExecutionId, result: await deps.automations.stop(automationExecutionId) });
  } catch (error) {
    log.error(`could not stop an automation (${why})`, { ...fields, automationExecutionId, error });
  }
}

async function startAutomation(deps: SsmStartDeps, event: AskEvent, askId: string, deadline: string): Promise<string> {
  const { request, stage, approver } = event;
  // The automated advice given so far, as the link channel's email carries it (read only when there are advisors).
  const record = hasAdvisorsUpTo(request, stage.index) ? await deps.store.getRequest(event.requestId) : undefined;
  const advice = record === undefined ? [] : adviceFor(record, stage.index);
  const parameters = automationParameters({
    correlationId: askId,
    approver,
    message: approvalMessage({ request, stage, approver: approver.name, deadline, advice }),
    automationRoleArn: deps.automationRoleArn,
  });
  try {
    return await deps.automations.start(deps.documentName, parameters, { [STACK_TAG_KEY]: deps.documentName });
  } catch (error) {
    const name = isThrottling(error) ? CHANNEL_THROTTLED_ERROR : CHANNEL_FAILED_ERROR;
    throw new WorkflowError(
      name,
      `SSM could not start the approval of ${event.approver.name}: ${describeError(error)}`,
    );
  }
}

export async function startIamApproval(deps: SsmStartDeps, event: AskEvent): Promise<SsmStartResult> {
  refuseIfNotAsked(event.request, event.stage.index, event.approver.name);
  const { requestId, approver, stage, timeoutSeconds, taskToken } = event;
  if (taskToken === undefined) throw new Error(`ssm-start: no task token for ${approver.name}`);
  const fields = { requestId, stage: stage.name, approver: approver.name };
  const now = deps.now?.() ?? new Date();
  // The task's own timer started a moment earlier, so it fires first; the approve step's
  // timeout (the same length, started a moment later) is only the backstop.
  const deadline = new Date(now.getTime() + timeoutSeconds * 1000).toISOString();
  const target = { requestId, stage: stage.index, approver: approver.name };

  const stored = await deps.store.putAsk({
    ...target,
    address: approver.address,
    channel: IAM,
    taskToken,
    deadline,
    createdAt: now.toISOString(),
  });
  if (stored.kind !== "stored") {
    log.warn(
      stored.kind === "stageEnded"
        ? "stage already decided; approval not started"
        : "request no longer open; approval not started",
      fields,
    );
    return { started: false, reason: stored.kind };
  }
  const earlier = stored.previous?.automationExecutionId;
  if (earlier !== undefined) await stopQuietly(deps, earlier, fields, "automation of an earlier attempt stopped");

  const automationExecutionId = await startAutomation(deps, event, stored.askId, deadline);
  let recorded: "recorded" | "requestNotOpen";
  try {
    recorded = await deps.store.setAskHandle({ askId: stored.askId, ...target }, automationExecutionId);
  } catch (error) {
    // Unrecorded, nobody would ever stop it: stop it now and fail the task.
    await stopQuietly(deps, automationExecutionId, fields, "unrecorded automation stopped");
    throw error;
  }
  if (recorded === "requestNotOpen") {
    // The request closed while this automation started; the close could not see it.
    await stopQuietly(
      deps,
      automationExecutionId,
      fields,
      "request closed while the approval started; automation stopped",
    );
    return { started: false, reason: "requestNotOpen" };
  }
  log.info("iam approval started", { ...fields, automationExecutionId, deadline });
  return { started: true, automationExecutionId };
}

/** The container's store and SSM client (both created once per container), with this function's environment. */
function defaultDeps(): SsmStartDeps {
  return {
    store: requestStoreFromEnv(),
    automations: ssmAutomations(ssmClient()),
    documentName: requireEnv(ENV.automationDocumentName),
    automationRoleArn: requireEnv(ENV.automationRoleArn),
  };
}

export const handler = (event: AskEvent): Promise<SsmStartResult> => startIamApproval(defaultDeps(), event);
