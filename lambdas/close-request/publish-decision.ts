/**
 * Sends a closed request's outcome as an "Approval Decided" event (core/decided-event.ts) to the
 * stack's event bus, and to the requester topic when the stack has one.
 *
 * Delivery is at least once, and never at the cost of the close:
 *  - Each destination is noted on the record once it took the outcome (markDecisionPublished), and
 *    every close of the request sends to the destinations not noted yet. A close is repeated when
 *    Step Functions retries the task, when the execution-end rule closes a stopped or failed
 *    execution, or when Lambda retries an asynchronous invocation; so an outcome that could not be
 *    sent once is sent by the next close, and one that was sent is not sent again.
 *  - A duplicate is still possible: a close that dies between sending and noting, or two closes
 *    of one request at the same moment. Consumers deduplicate on `detail.requestId` (one outcome
 *    per request, never a different one: a closed request's outcome does not change).
 *  - A failure to send (after the SDK's retries, and a few retries of an entry EventBridge
 *    refused) is logged as an error, "Approval Decided event not sent", and the close still
 *    returns the execution output: the outcome is known, and failing the close would fail an
 *    execution whose approvers have decided.
 * PutEvents reports a refused entry in its response, not as an error: FailedEntryCount and the
 * entry's ErrorCode (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html).
 */
import { PutEventsCommand, type PutEventsCommandOutput } from "@aws-sdk/client-eventbridge";
import { PublishCommand } from "@aws-sdk/client-sns";
import { decidedEntry, decidedMessage, type DecidedDelivery } from "../../core/decided-event";
import { ENV } from "../../core/environment";
import { log } from "../../core/log";
import type { RequestRecord } from "../../core/model";
import type { DecisionDestination, RequestStore } from "../../core/ports";

export interface PublishDeps {
  store: RequestStore;
  delivery: DecidedDelivery;
  eventBridge: {
    send(command: PutEventsCommand): Promise<Pick<PutEventsCommandOutput, "FailedEntryCount" | "Entries">>;
  };
  sns: { send(command: PublishCommand): Promise<unknown> };
  now?: () => Date;
  /** Pause between attempts at an entry EventBridge refused (tests pass 0). */
  retryDelayMs?: number;
}

/** Attempts at one entry that PutEvents answered but refused (e.g. ThrottlingException, InternalFailure). */
const ENTRY_ATTEMPTS = 3;
const ENTRY_RETRY_DELAY_MS = 200;

export class EntryRefusedError extends Error {
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = "EntryRefused";
  }
}

async function putEvent(deps: PublishDeps, request: RequestRecord): Promise<string | undefined> {
  const entry = decidedEntry(request, deps.delivery.eventBus);
  let refused: EntryRefusedError | undefined;
  for (let attempt = 1; attempt <= ENTRY_ATTEMPTS; attempt++) {
    const out = await deps.eventBridge.send(new PutEventsCommand({ Entries: [entry] }));
    const result = out.Entries?.[0];
    if (!out.FailedEntryCount && result?.EventId !== undefined) return result.EventId;
    refused = new EntryRefusedError(result?.ErrorCode ?? "Unknown", result?.ErrorMessage ?? "no event id returned");
    if (attempt < ENTRY_ATTEMPTS) await pause((deps.retryDelayMs ?? ENTRY_RETRY_DELAY_MS) * 2 ** (attempt - 1));
  }
  throw refused;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const NOTED: Record<DecisionDestination, keyof RequestRecord> = {
  eventBus: "decisionEventSentAt",
  requesterTopic: "requesterNotifiedAt",
};

/** Sends the outcome to every destination not noted on the record yet. Never throws. */
export async function publishDecision(deps: PublishDeps, request: RequestRecord): Promise<void> {
  const sends: [DecisionDestination, string, () => Promise<unknown>][] = [
    ["eventBus", deps.delivery.eventBus, () => putEvent(deps, request)],
  ];
  const topic = deps.delivery.requesterTopicArn;
  if (topic !== undefined) {
    sends.push([
      "requesterTopic",
      topic,
      () => {
        const { subject, message } = decidedMessage(request);
        return deps.sns.send(new PublishCommand({ TopicArn: topic, Subject: subject, Message: message }));
      },
    ]);
  }
  for (const [destination, target, send] of sends) {
    const fields = { requestId: request.requestId, destination, target };
    if (request[NOTED[destination]] !== undefined) {
      log.info("Approval Decided already sent; not sent again", fields);
      continue;
    }
    try {
      const sent = await send();
      await deps.store.markDecisionPublished(request.requestId, destination, deps.now?.() ?? new Date());
      log.info("Approval Decided sent", { ...fields, ...(typeof sent === "string" ? { eventId: sent } : {}) });
    } catch (error) {
      log.error("Approval Decided event not sent", { ...fields, error });
    }
  }
}

/** DECIDED_DELIVERY as the stack sets it; undefined (with a warning) when the function has none. */
export function deliveryFromEnv(env: Record<string, string | undefined> = process.env): DecidedDelivery | undefined {
  const raw = env[ENV.decidedDelivery];
  if (raw === undefined || raw === "") {
    log.warn(`${ENV.decidedDelivery} is not set: no Approval Decided event is sent`);
    return undefined;
  }
  const parsed = JSON.parse(raw) as Partial<DecidedDelivery>;
  if (typeof parsed.eventBus !== "string" || parsed.eventBus === "")
    throw new Error(`${ENV.decidedDelivery} has no eventBus: ${raw}`);
  return parsed.requesterTopicArn === undefined
    ? { eventBus: parsed.eventBus }
    : { eventBus: parsed.eventBus, requesterTopicArn: parsed.requesterTopicArn };
}
