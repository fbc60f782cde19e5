/**
 * ssm-start (iam channel): keeps the branch's task token in the request store under a fresh
 * correlation id and starts the approval automation for this one approver, passing that id and
 * never the token (automation parameters are readable by anyone allowed
 * ssm:GetAutomationExecution, and hold 512 characters where a token may need 2,048). The
 * automation execution id is then noted on the ask and on the request, so closing the request can
 * stop the automation and the result Lambda can tell this automation from any other. The state
 * machine waits for the callback (`.waitForTaskToken`), so what this returns is ignored.
 */
import { ssmClient } from "../shared/clients";
import { ssmAutomations, type Automations } from "../shared/automations";
import { freshId } from "../shared/ids";
import { log } from "../shared/log";
import type { AskApproverEvent } from "../shared/model";
import { requestStoreFromEnv, type RecordAutomationResult, type RequestStore } from "../shared/store";
import { approvalMessage, automationParameters } from "./automation-request";

export interface SsmStartDeps {
  store: RequestStore;
  automations: Automations;
  documentName: string;
  automationRoleArn: string;
  now?: () => Date;
}

export type SsmStartResult =
  { started: true; automationExecutionId: string } | { started: false; reason: "requestNotOpen" };

export async function startIamApproval(deps: SsmStartDeps, event: AskApproverEvent): Promise<SsmStartResult> {
  const { requestId, request, approver, timeoutSeconds } = event;
  const fields = { requestId, approver: approver.name };
  const now = deps.now?.() ?? new Date();
  // The task's own timer started a moment earlier, so it fires first; the approve step's
  // timeout (the same length, started a moment later) is only the backstop.
  const deadline = new Date(now.getTime() + timeoutSeconds * 1000).toISOString();
  const ask = { askId: freshId(), requestId, approver: approver.name };

  const stored = await deps.store.putAsk({
    ...ask,
    address: approver.address,
    channel: "iam",
    taskToken: event.taskToken,
    deadline,
    createdAt: now.toISOString(),
  });
  if (stored === "requestNotOpen") {
    log.warn("request no longer open; approval not started", fields);
    return { started: false, reason: stored };
  }

  const parameters = automationParameters({
    correlationId: ask.askId,
    approver,
    message: approvalMessage({ request, approver: approver.name, deadline }),
    automationRoleArn: deps.automationRoleArn,
  });
  const automationExecutionId = await deps.automations.start(deps.documentName, parameters);

  let recorded: RecordAutomationResult;
  try {
    recorded = await deps.store.recordAutomationExecution(ask, automationExecutionId);
  } catch (error) {
    // Unrecorded, nobody would ever stop it: stop it now and fail the task.
    await stopQuietly(deps, automationExecutionId, fields);
    throw error;
  }
  if (recorded === "requestNotOpen") {
    // The request closed while this automation started; the close could not see it.
    await deps.automations.stop(automationExecutionId);
    log.warn("request closed while the approval started; automation stopped", { ...fields, automationExecutionId });
    return { started: false, reason: recorded };
  }
  log.info("iam approval started", { ...fields, automationExecutionId, deadline });
  return { started: true, automationExecutionId };
}

async function stopQuietly(
  deps: SsmStartDeps,
  automationExecutionId: string,
  fields: Record<string, unknown>,
): Promise<void> {
  try {
    await deps.automations.stop(automationExecutionId);
  } catch (error) {
    log.error("could not stop an unrecorded approval automation", { ...fields, automationExecutionId, error });
  }
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** The container's store and SSM client (both created once per container), with this function's environment. */
function defaultDeps(): SsmStartDeps {
  return {
    store: requestStoreFromEnv(),
    automations: ssmAutomations(ssmClient()),
    documentName: requiredEnv("AUTOMATION_DOCUMENT_NAME"),
    automationRoleArn: requiredEnv("AUTOMATION_ROLE_ARN"),
  };
}

export const handler = (event: AskApproverEvent): Promise<SsmStartResult> => startIamApproval(defaultDeps(), event);
