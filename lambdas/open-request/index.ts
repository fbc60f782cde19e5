/**
 * open-request: validates the execution input and writes the request record. An invalid input
 * fails with `Approval.InvalidInput` before anything is written.
 */
import type { OpenRequestEvent, OpenRequestResult } from "../shared/model";
import { validateExecutionInput } from "../shared/execution-input";
import { freshId } from "../shared/ids";
import { log } from "../shared/log";
import { requestSummaryOf } from "../shared/record-views";
import { requestStoreFromEnv, type RequestStore } from "../shared/store";
import { newRequestRecord } from "./request-record";

export async function openRequest(store: RequestStore, event: OpenRequestEvent): Promise<OpenRequestResult> {
  let input;
  try {
    input = validateExecutionInput(event.input);
  } catch (error) {
    log.warn("execution input rejected", { executionArn: event.executionArn, error });
    throw error;
  }
  const requestId = freshId();
  const record = await store.openRequest(newRequestRecord(requestId, input, event));
  log.info("request opened", {
    requestId,
    executionArn: event.executionArn,
    approvers: record.approvers.length,
    quorum: record.quorum,
  });
  return { requestId, request: requestSummaryOf(record) };
}

export const handler = (event: OpenRequestEvent): Promise<OpenRequestResult> =>
  openRequest(requestStoreFromEnv(), event);
