/**
 * open-request: validates the execution input and writes the request record. An invalid input
 * fails the execution with `Approval.InvalidInput` before anything is written or anyone asked.
 * The request id is derived from the execution ARN, so a retried invocation finds its record.
 */
import { validateExecutionInput } from "../../core/execution-input";
import { requestIdFor } from "../../core/ids";
import { log } from "../../core/log";
import type { RequestStore } from "../../core/ports";
import type { OpenRequestEvent, OpenRequestResult } from "../../core/payloads";
import { requestSummaryOf } from "../../core/views";
import { ENV } from "../../core/environment";
import { requestStoreFromEnv, retentionDaysFrom } from "../adapters/store";
import { newRequestRecord } from "./request-record";

export async function openRequest(
  store: RequestStore,
  event: OpenRequestEvent,
  retentionDays: number,
): Promise<OpenRequestResult> {
  let input;
  try {
    input = validateExecutionInput(event.input);
  } catch (error) {
    log.warn("execution input rejected", { executionArn: event.executionArn, error });
    throw error;
  }
  const requestId = requestIdFor(event.executionArn);
  const opened = await store.openRequest(newRequestRecord(requestId, input, event, retentionDays));
  log.info(opened.kind === "opened" ? "request opened" : "request already open (retried invocation)", {
    requestId,
    executionArn: event.executionArn,
    stages: opened.request.stages.map((stage) => ({
      name: stage.name,
      quorum: stage.quorum,
      approvers: stage.approvers.length + stage.advisors.length,
    })),
  });
  return { requestId, request: requestSummaryOf(opened.request) };
}

export const handler = (event: OpenRequestEvent): Promise<OpenRequestResult> =>
  openRequest(requestStoreFromEnv(), event, retentionDaysFrom(process.env[ENV.recordRetentionDays]));
