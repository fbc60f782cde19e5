/**
 * close-request: closes a request and returns the execution output. Invoked two ways:
 *  - by the state machine after the last stage (or a stage's technical failure);
 *  - by EventBridge when the execution ended otherwise (ABORTED, TIMED_OUT, FAILED), so a
 *    stopped execution's links show "closed", its tokens are scrubbed and its automations stop.
 * Closing decides the outcome from the stored counts, scrubs every task token, and releases each
 * undecided ask through its channel (best effort), then sends the outcome as an "Approval
 * Decided" event (publish-decision.ts: at least once, never failing the close). Idempotent: a
 * closed request stays as it is, and an outcome already sent is not sent again.
 */
import type { CloseReason, RequestRecord } from "../../core/model";
import { requestIdFor } from "../../core/ids";
import { log } from "../../core/log";
import { outcomeAtClose } from "../../core/outcome";
import type { RequestStore } from "../../core/ports";
import type { CloseRequestEvent } from "../../core/payloads";
import { RequestNotFoundError } from "../../core/recorder";
import { closeOutputOf, unansweredAsks, type CloseOutput } from "../../core/views";
import { RELEASES } from "../../channels/release";
import type { AskRelease } from "../../channels/release-types";
import { requestStoreFromEnv } from "../adapters/store";
import { executionEndOf } from "../../core/execution-end";
import { eventBridgeClient } from "../adapters/eventbridge-client";
import { snsClient } from "../adapters/sns-client";
import { deliveryFromEnv, publishDecision } from "./publish-decision";

export interface CloseDeps {
  store: RequestStore;
  releases?: Readonly<Record<string, AskRelease | undefined>>;
  /** Sends the closed request's outcome (Approval Decided); never throws. */
  publish?: (request: RequestRecord) => Promise<void>;
  now?: () => Date;
}

/** Releases run a few at a time: services throttle bursts, and a request has up to 50 asks. */
const RELEASE_CONCURRENCY = 5;

/**
 * Best effort: the request is already closed, so a decision made through an ask that could not
 * be released is refused when it arrives; failing the close for it would fail an execution whose
 * outcome is known.
 */
async function releasePendingAsks(deps: CloseDeps, request: RequestRecord): Promise<void> {
  const pending = unansweredAsks(request).filter((ask) => deps.releases?.[ask.channel] !== undefined);
  for (let start = 0; start < pending.length; start += RELEASE_CONCURRENCY) {
    await Promise.all(
      pending.slice(start, start + RELEASE_CONCURRENCY).map(async (ask) => {
        const fields = { requestId: request.requestId, stage: ask.stage, approver: ask.approver, channel: ask.channel };
        try {
          log.info("pending ask released", { ...fields, result: await deps.releases![ask.channel]!.release(ask) });
        } catch (error) {
          log.error("could not release a pending ask", { ...fields, error });
        }
      }),
    );
  }
}

export async function closeRequest(deps: CloseDeps, requestId: string, reason: CloseReason): Promise<CloseOutput> {
  let request = await deps.store.getRequest(requestId);
  if (request === undefined) throw new RequestNotFoundError(requestId);
  if (request.status === "open") {
    const { outcome, endedInStage, inconsistent } = outcomeAtClose(request, reason);
    if (inconsistent)
      log.error("workflow completed but the votes decide nothing; reporting expired", { requestId, endedInStage });
    const closed = await deps.store.closeRequest(requestId, {
      outcome,
      endedInStage,
      reason,
      closedAt: deps.now?.() ?? new Date(),
    });
    if (closed.kind === "notFound") throw new RequestNotFoundError(requestId);
    request = closed.request; // alreadyClosed: a concurrent close won; its result stands
  }
  await deps.store.scrubTaskTokens(request);
  await releasePendingAsks(deps, request);
  await deps.publish?.(request);
  log.info("request closed", { requestId, outcome: request.outcome ?? null, reason: request.closeReason ?? reason });
  return closeOutputOf(request);
}

/** The state machine's call, or EventBridge's "Step Functions Execution Status Change". */
export async function handleClose(
  deps: CloseDeps,
  event: CloseRequestEvent | unknown,
): Promise<CloseOutput | { ignored: string }> {
  const ended = executionEndOf(event);
  if (ended === undefined) {
    const { requestId, reason } = event as CloseRequestEvent;
    return closeRequest(deps, requestId, reason ?? "completed");
  }
  if (ended.kind === "ignored") {
    log.warn("execution event ignored", { reason: ended.reason });
    return { ignored: ended.reason };
  }
  const requestId = requestIdFor(ended.executionArn);
  // An execution that failed before its record opened (invalid input) has nothing to close.
  if ((await deps.store.getRequest(requestId)) === undefined) {
    log.info("execution ended before its request opened; nothing to close", {
      executionArn: ended.executionArn,
      status: ended.status,
    });
    return { ignored: "no request record for this execution" };
  }
  return closeRequest(deps, requestId, ended.reason);
}

/** The deployed function's publisher: the container's clients, DECIDED_DELIVERY from the stack. */
function publisherFromEnv(store: RequestStore): CloseDeps["publish"] {
  const delivery = deliveryFromEnv();
  if (delivery === undefined) return undefined;
  return (request) => publishDecision({ store, delivery, eventBridge: eventBridgeClient(), sns: snsClient() }, request);
}

export const handler = (event: unknown): Promise<CloseOutput | { ignored: string }> => {
  const store = requestStoreFromEnv();
  return handleClose({ store, releases: RELEASES, publish: publisherFromEnv(store) }, event);
};
