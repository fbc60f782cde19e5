/**
 * The "Approval Decided" event: what closing a request tells other systems, so they can react
 * (deploy, notify, record) without polling the execution. Pure: the detail, its size against the
 * PutEvents limit, and the stack settings that say where it goes.
 *
 * Schema (README: "The outcome as an event"; `version` changes only when a field changes meaning):
 *   source "parallel-approval", detail-type "Approval Decided", resources [executionArn],
 *   time = when the request closed, detail = DecidedDetail below.
 *
 * Size. "The total entry size must be less than 256KB", counted as the UTF-8 bytes of Source,
 * DetailType, Detail and each Resources entry, plus 14 bytes for Time
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html); an SNS
 * message is at most 256 KB (262,144 bytes) (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
 * The execution output can be near Step Functions' own 256 KiB, because it lists every decision
 * twice; the detail lists them once, without the request's details text, so with the stored
 * limits (50 entries, comments of at most 1,500 bytes) it always fits whole. Should it not, the
 * comments are left out first, then the decisions (the stages' outcomes stay), and `omitted` says
 * so: the execution output (DescribeExecution) still has everything.
 */
import type { CloseReason, DecisionEntry, Outcome, RequestRecord, StageOutcome } from "./model";
import { closeOutputOf } from "./views";

export const DECIDED_EVENT_SOURCE = "parallel-approval";
export const DECIDED_DETAIL_TYPE = "Approval Decided";
export const DECIDED_DETAIL_VERSION = "1";

/** The bus a stack sends to unless `parallel-approval:eventBus` says otherwise. */
export const DEFAULT_EVENT_BUS = "default";

/** "less than 256KB": the largest entry PutEvents takes, in bytes. */
export const MAX_EVENT_ENTRY_BYTES = 256 * 1024 - 1;
/** Time counts as 14 bytes in the entry size. */
const TIME_BYTES = 14;
/** SNS Publish: a message of at most 262,144 bytes. */
export const MAX_SNS_MESSAGE_BYTES = 256 * 1024;

/** `undecided`: the execution stopped, timed out or failed before the outcome was certain. */
export type DecidedOutcome = Outcome | "undecided";

export interface DecidedStage {
  name: string;
  outcome: StageOutcome;
  quorum: number;
}

export interface DecidedDetail {
  version: typeof DECIDED_DETAIL_VERSION;
  requestId: string;
  executionArn: string;
  outcome: DecidedOutcome;
  /** The stage that ended the request, when it was not approved. */
  endedInStage?: string;
  /** How the request closed: its workflow completed, or its execution failed, was stopped or timed out. */
  closeReason: CloseReason;
  stages: DecidedStage[];
  /** Every approver of every stage, in stage then config order, as in the execution output. */
  decisions: DecisionEntry[];
  subject: string;
  requestedBy?: string;
  change?: string;
  reviewUrl?: string;
  openedAt: string;
  closedAt: string;
  /** Present only when the detail had to be cut to fit the size limit. */
  omitted?: ("comments" | "decisions")[];
}

/** Where the event goes: a bus (name or ARN) and, optionally, the requester's SNS topic. */
export interface DecidedDelivery {
  eventBus: string;
  requesterTopicArn?: string;
}

export const DEFAULT_DECIDED_DELIVERY: DecidedDelivery = { eventBus: DEFAULT_EVENT_BUS };

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/** The full detail of a closed request. */
export function decidedDetailOf(request: RequestRecord): DecidedDetail {
  if (request.status !== "closed" || request.closedAt === undefined)
    throw new Error(`request ${request.requestId} is not closed`);
  const output = closeOutputOf(request);
  const detail: DecidedDetail = {
    version: DECIDED_DETAIL_VERSION,
    requestId: request.requestId,
    executionArn: request.executionArn,
    outcome: output.outcome ?? "undecided",
    closeReason: request.closeReason ?? "completed",
    stages: output.stages.map(({ name, outcome, quorum }) => ({ name, outcome, quorum })),
    decisions: output.decisions,
    subject: request.subject,
    openedAt: request.openedAt,
    closedAt: request.closedAt,
  };
  if (output.endedInStage !== undefined) detail.endedInStage = output.endedInStage;
  if (request.requestedBy !== undefined) detail.requestedBy = request.requestedBy;
  if (request.change !== undefined) detail.change = request.change;
  if (request.reviewUrl !== undefined) detail.reviewUrl = request.reviewUrl;
  return detail;
}

export interface DecidedEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Resources: string[];
  Time: Date;
  EventBusName: string;
}

/** The PutEvents entry size, as EventBridge counts it. */
export function entrySize(entry: Omit<DecidedEntry, "EventBusName">): number {
  return (
    TIME_BYTES +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    entry.Resources.reduce((sum, resource) => sum + bytes(resource), 0)
  );
}

/** The detail, cut (comments, then decisions) until `fits` accepts its JSON. */
export function fittedDetail(detail: DecidedDetail, fits: (json: string) => boolean): DecidedDetail {
  const candidates: DecidedDetail[] = [
    detail,
    {
      ...detail,
      decisions: detail.decisions.map(({ comment: _comment, ...entry }) => entry),
      omitted: ["comments"],
    },
    { ...detail, decisions: [], omitted: ["comments", "decisions"] },
  ];
  const fitting = candidates.find((candidate) => fits(JSON.stringify(candidate)));
  if (fitting === undefined)
    throw new RangeError(`the Approval Decided event of ${detail.requestId} cannot be cut to fit`);
  return fitting;
}

/** The PutEvents entry for a closed request, within the entry size limit. */
export function decidedEntry(request: RequestRecord, eventBus: string): DecidedEntry {
  const base = {
    Source: DECIDED_EVENT_SOURCE,
    DetailType: DECIDED_DETAIL_TYPE,
    Resources: [request.executionArn],
    Time: new Date(request.closedAt ?? Date.now()),
  };
  const detail = fittedDetail(
    decidedDetailOf(request),
    (json) => entrySize({ ...base, Detail: json }) <= MAX_EVENT_ENTRY_BYTES,
  );
  return { ...base, Detail: JSON.stringify(detail), EventBusName: eventBus };
}

/** The requester topic's message: the event as EventBridge would deliver it to a target, within SNS's limit. */
export function decidedMessage(request: RequestRecord): { subject: string; message: string } {
  const envelope = (detail: DecidedDetail) =>
    JSON.stringify({
      source: DECIDED_EVENT_SOURCE,
      "detail-type": DECIDED_DETAIL_TYPE,
      time: request.closedAt,
      resources: [request.executionArn],
      detail,
    });
  const detail = fittedDetail(decidedDetailOf(request), (json) => {
    const parsed = JSON.parse(json) as DecidedDetail;
    return bytes(envelope(parsed)) <= MAX_SNS_MESSAGE_BYTES;
  });
  // "Subjects must be ASCII text that begins with a letter, number, or punctuation mark; must not
  // include line breaks or control characters; and must be less than 100 characters long" (API_Publish).
  const subject = `Approval ${detail.outcome}: ${request.subject}`.replace(/[^\x20-\x7e]/g, "?").slice(0, 99);
  return { subject, message: envelope(detail) };
}

// ---- Stack settings: parallel-approval:eventBus and parallel-approval:requesterTopic ----

/** A bus name (EventBridge: [/\.\-_A-Za-z0-9]+, at most 256) or a bus ARN. */
const EVENT_BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[/.\-_A-Za-z0-9]{1,256}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/**
 * The delivery the raw config asks for, or the problems with it (each `[key, message]`). Unset
 * (or the Pulumi.yaml defaults: "default", "") means the default bus and no requester topic.
 */
export function parseDecidedDelivery(raw: Record<string, unknown>): {
  delivery: DecidedDelivery;
  problems: [string, string][];
} {
  const problems: [string, string][] = [];
  const delivery: DecidedDelivery = { eventBus: DEFAULT_EVENT_BUS };
  const bus = raw.eventBus;
  if (bus !== undefined) {
    if (typeof bus !== "string" || !(EVENT_BUS_NAME.test(bus) || EVENT_BUS_ARN.test(bus)))
      problems.push([
        "eventBus",
        `eventBus must be an event bus name (1-256 characters of A-Z a-z 0-9 . _ - /) or an event bus ARN, got ${JSON.stringify(bus)}`,
      ]);
    else delivery.eventBus = bus;
  }
  const topic = raw.requesterTopic;
  if (topic !== undefined && topic !== "") {
    if (typeof topic !== "string" || !TOPIC_ARN.test(topic))
      problems.push(["requesterTopic", `requesterTopic must be an SNS topic ARN, got ${JSON.stringify(topic)}`]);
    else if (topic.endsWith(".fifo"))
      problems.push([
        "requesterTopic",
        "requesterTopic must be a standard topic: a FIFO topic needs a message group id, which the outcome does not have",
      ]);
    else delivery.requesterTopicArn = topic;
  }
  return { delivery, problems };
}

/** The ARN IAM needs for a bus given by name (this account and Region) or by ARN. */
export function eventBusArn(bus: string, at: { partition: string; region: string; account: string }): string {
  return bus.startsWith("arn:") ? bus : `arn:${at.partition}:events:${at.region}:${at.account}:event-bus/${bus}`;
}
