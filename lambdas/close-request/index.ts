/**
 * close-request: runs once the Parallel state has ended (a signal, every branch done, or a
 * technical failure). Closes the record with the certain outcome, releases the asks (pending
 * approval links then show "closed"; pending SSM automations of iam approvers are stopped, so
 * nobody can act on a closed request from the console) and returns the execution output.
 * Idempotent: closing a closed request returns the stored result again.
 */
import type { CloseRequestEvent, RequestRecord } from "../shared/model";
import { ssmAutomations, type Automations } from "../shared/automations";
import { ssmClient } from "../shared/clients";
import { log } from "../shared/log";
import { undecidedAsks } from "../shared/record-views";
import { RequestNotFoundError } from "../shared/recorder";
import { requestStoreFromEnv, type RequestStore } from "../shared/store";
import { closeOutputOf, outcomeAtClose, type CloseOutput } from "./output";

export interface CloseDeps {
  store: RequestStore;
  /** Stops the iam channel's automations; without it (no iam approvers) none are stopped. */
  automations?: Pick<Automations, "stop">;
  now?: () => Date;
}

/** Stops run a few at a time: SSM throttles bursts, and a request has up to 50 approvers. */
const STOP_CONCURRENCY = 5;

/**
 * Stops the automations still waiting for an approver who has not decided. Best effort: the
 * request is already closed, so a decision made in an automation that could not be stopped is
 * refused when it arrives (and the automation ends at its own timeout); failing the close for it
 * would fail an execution whose outcome is known.
 */
async function stopPendingAutomations(automations: Pick<Automations, "stop">, request: RequestRecord): Promise<void> {
  const pending = undecidedAsks(request).filter(
    (ref) => ref.channel === "iam" && ref.automationExecutionId !== undefined,
  );
  for (let start = 0; start < pending.length; start += STOP_CONCURRENCY) {
    await Promise.all(
      pending.slice(start, start + STOP_CONCURRENCY).map(async (ref) => {
        const fields = { requestId: request.requestId, automationExecutionId: ref.automationExecutionId };
        try {
          log.info("pending approval automation stopped", {
            ...fields,
            result: await automations.stop(ref.automationExecutionId!),
          });
        } catch (error) {
          log.error("could not stop a pending approval automation", { ...fields, error });
        }
      }),
    );
  }
}

/** Everything the asks still hold once the request is closed. Safe to repeat. */
async function releaseAsks(deps: CloseDeps, request: RequestRecord): Promise<void> {
  await deps.store.scrubTaskTokens(request);
  if (deps.automations) await stopPendingAutomations(deps.automations, request);
}

export async function closeRequest(deps: CloseDeps, event: CloseRequestEvent): Promise<CloseOutput> {
  const { requestId } = event;
  const failed = event.failed === true;
  let request = await deps.store.getRequest(requestId);
  if (request === undefined) throw new RequestNotFoundError(requestId);

  if (request.status === "open") {
    const { outcome, inconsistent } = outcomeAtClose(request, failed);
    if (inconsistent)
      log.error("workflow ended but the votes decide nothing; reporting expired", { requestId, failed });
    const closed = await deps.store.closeRequest(requestId, outcome, deps.now?.() ?? new Date());
    if (closed.kind === "notFound") throw new RequestNotFoundError(requestId);
    request = closed.request; // alreadyClosed: a concurrent close won; its result stands
  }
  await releaseAsks(deps, request);
  log.info("request closed", { requestId, outcome: request.outcome ?? null, failed });
  return closeOutputOf(request);
}

/** Created on first stop only: requests without iam approvers never touch SSM. */
const lazySsmAutomations: Pick<Automations, "stop"> = { stop: (id) => ssmAutomations(ssmClient()).stop(id) };

export const handler = (event: CloseRequestEvent): Promise<CloseOutput> =>
  closeRequest({ store: requestStoreFromEnv(), automations: lazySsmAutomations }, event);
