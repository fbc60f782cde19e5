/**
 * close-request: runs once the Parallel state has ended (a signal, every branch done, or a
 * technical failure). Closes the record with the certain outcome, releases the asks (pending
 * approval links then show "closed") and returns the execution output. Idempotent: closing a
 * closed request returns the stored result again.
 */
import type { CloseRequestEvent, RequestRecord } from "../shared/model";
import { log } from "../shared/log";
import { RequestNotFoundError } from "../shared/recorder";
import { requestStoreFromEnv, type RequestStore } from "../shared/store";
import { closeOutputOf, outcomeAtClose, type CloseOutput } from "./output";

export interface CloseDeps {
  store: RequestStore;
  now?: () => Date;
}

/** Everything the asks still hold once the request is closed. Safe to repeat. */
async function releaseAsks(deps: CloseDeps, request: RequestRecord): Promise<void> {
  await deps.store.scrubTaskTokens(request);
  // Pending SSM automations are to be stopped here too: undecidedAsks(request) with channel "iam"
  // and an automationExecutionId (record-views.ts).
}

export async function closeRequest(deps: CloseDeps, event: CloseRequestEvent): Promise<CloseOutput> {
  const { requestId } = event;
  const failed = event.failed === true;
  let request = await deps.store.getRequest(requestId);
  if (request === undefined) throw new RequestNotFoundError(requestId);

  if (request.status === "open") {
    const { outcome, inconsistent } = outcomeAtClose(request, failed);
    if (inconsistent) log.error("workflow ended but the votes decide nothing; reporting expired", { requestId, failed });
    const closed = await deps.store.closeRequest(requestId, outcome, deps.now?.() ?? new Date());
    if (closed.kind === "notFound") throw new RequestNotFoundError(requestId);
    request = closed.request; // alreadyClosed: a concurrent close won; its result stands
  }
  await releaseAsks(deps, request);
  log.info("request closed", { requestId, outcome: request.outcome ?? null, failed });
  return closeOutputOf(request);
}

export const handler = (event: CloseRequestEvent): Promise<CloseOutput> => closeRequest({ store: requestStoreFromEnv() }, event);
