/**
 * A local EventBridge endpoint for the call close-request makes, `PutEvents`, in the awsJson1_1
 * protocol that @aws-sdk/client-eventbridge speaks (`X-Amz-Target: AWSEvents.PutEvents`). The
 * handlers reach it through `AWS_ENDPOINT_URL_EVENTBRIDGE`. Each accepted entry is kept (the
 * sandbox prints it, the tests read it) with the checks EventBridge makes
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html): at most 10
 * entries, a total entry size under 256 KB counted as EventBridge counts it
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html), Source,
 * DetailType and a JSON-object Detail in each entry, and a bus that exists.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback, loopbackUrl } from "./loopback";
import { LocalAwsError } from "./local-aws-error";
import { BodyTooLargeError, readBody } from "./request-body";

const TARGET = "AWSEvents.PutEvents";
const CONTENT_TYPE = "application/x-amz-json-1.1";
const MAX_ENTRIES = 10;
const MAX_TOTAL_ENTRY_BYTES = 256 * 1024 - 1;
const TIME_BYTES = 14;

export interface LocalEvent {
  eventId: string;
  /** The bus name (an ARN given by the caller is reduced to its name). */
  eventBus: string;
  source: string;
  detailType: string;
  detail: unknown;
  resources: string[];
  time: string;
}

export interface FakeEventBridgeOptions {
  /** Buses that exist, by name; the account's `default` bus always does. */
  buses?: string[];
  onEvent?: (event: LocalEvent) => void;
}

export interface FakeEventBridge {
  endpoint: string;
  /** Every accepted event, in order. */
  events: readonly LocalEvent[];
  /** Calls `listener` for each event accepted from now on (besides `onEvent`). */
  listen(listener: (event: LocalEvent) => void): void;
  /** Refuses the next `count` entries with `code`, as EventBridge does for a throttled or failed entry. */
  refuseNext(count: number, code?: string): void;
  stop(): Promise<void>;
}

interface RawEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  Time?: unknown;
  EventBusName?: unknown;
}

const bytes = (value: unknown) => (typeof value === "string" ? Buffer.byteLength(value, "utf8") : 0);

function entrySize(entry: RawEntry): number {
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return (
    (entry.Time === undefined ? 0 : TIME_BYTES) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    resources.reduce((sum: number, resource) => sum + bytes(resource), 0)
  );
}

const busName = (bus: string) => (bus.startsWith("arn:") ? bus.slice(bus.indexOf(":event-bus/") + 11) : bus);

/** The entry's problem, as EventBridge reports it per entry (ErrorCode, ErrorMessage), or undefined. */
function entryProblem(entry: RawEntry): [string, string] | undefined {
  if (typeof entry.Source !== "string" || entry.Source === "")
    return ["InvalidArgument", "Parameter Source is not valid."];
  if (typeof entry.DetailType !== "string" || entry.DetailType === "")
    return ["InvalidArgument", "Parameter DetailType is not valid."];
  if (typeof entry.Detail !== "string") return ["InvalidArgument", "Parameter Detail is not valid."];
  try {
    const detail: unknown = JSON.parse(entry.Detail);
    if (typeof detail !== "object" || detail === null || Array.isArray(detail))
      return ["MalformedDetail", "Detail is malformed."];
  } catch {
    return ["MalformedDetail", "Detail is malformed."];
  }
  return undefined;
}

function timeOf(value: unknown): string {
  // The SDK sends Time as epoch seconds.
  if (typeof value === "number") return new Date(value * 1000).toISOString();
  return new Date().toISOString();
}

function answer(res: ServerResponse, status: number, body: object, errorCode?: string): void {
  const headers: Record<string, string> = { "content-type": CONTENT_TYPE, "x-amzn-requestid": randomUUID() };
  if (errorCode) headers["x-amzn-errortype"] = errorCode;
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

/** An entry as the bus keeps it. */
function accepted(entry: RawEntry): LocalEvent {
  return {
    eventId: randomUUID(),
    eventBus: busName(typeof entry.EventBusName === "string" ? entry.EventBusName : "default"),
    source: entry.Source as string,
    detailType: entry.DetailType as string,
    detail: JSON.parse(entry.Detail as string),
    resources: Array.isArray(entry.Resources) ? (entry.Resources as string[]) : [],
    time: timeOf(entry.Time),
  };
}

export async function startFakeEventBridge(options: FakeEventBridgeOptions = {}): Promise<FakeEventBridge> {
  const buses = new Set(["default", ...(options.buses ?? [])].map(busName));
  const events: LocalEvent[] = [];
  const listeners = options.onEvent === undefined ? [] : [options.onEvent];
  let refusals: { count: number; code: string } = { count: 0, code: "InternalFailure" };

  function putEvents(body: { Entries?: unknown }) {
    if (!Array.isArray(body.Entries) || body.Entries.length < 1 || body.Entries.length > MAX_ENTRIES)
      throw new LocalAwsError(
        "ValidationException",
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    const entries = body.Entries as RawEntry[];
    if (entries.reduce((sum, entry) => sum + entrySize(entry), 0) > MAX_TOTAL_ENTRY_BYTES)
      throw new LocalAwsError("ValidationException", "Total size of the entries in the request is over the limit.");
    for (const entry of entries) {
      const bus = busName(typeof entry.EventBusName === "string" ? entry.EventBusName : "default");
      if (!buses.has(bus)) throw new LocalAwsError("ResourceNotFoundException", `Event bus ${bus} does not exist.`);
    }
    const results = entries.map((entry) => {
      if (refusals.count > 0) {
        refusals = { ...refusals, count: refusals.count - 1 };
        return { ErrorCode: refusals.code, ErrorMessage: "The entry was refused (local EventBridge: refuseNext)" };
      }
      const problem = entryProblem(entry);
      if (problem !== undefined) return { ErrorCode: problem[0], ErrorMessage: problem[1] };
      const event = accepted(entry);
      events.push(event);
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // A listener's bug must not fail the call.
        }
      }
      return { EventId: event.eventId };
    });
    return { FailedEntryCount: results.filter((r) => "ErrorCode" in r).length, Entries: results };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const target = String(req.headers["x-amz-target"] ?? "");
      if (req.method !== "POST" || !target.startsWith("AWSEvents."))
        throw new LocalAwsError(
          "UnknownOperationException",
          "Expected a POST with X-Amz-Target: AWSEvents.<Operation>",
        );
      if (target !== TARGET)
        throw new LocalAwsError("UnknownOperationException", `The local EventBridge does not implement ${target}`);
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req, 2 * 1024 * 1024)).toString("utf8") || "{}");
      } catch (error) {
        if (error instanceof BodyTooLargeError)
          throw new LocalAwsError("ValidationException", "Request too large", 413);
        throw new LocalAwsError("SerializationException", "The request body is not JSON");
      }
      answer(res, 200, putEvents((body ?? {}) as { Entries?: unknown }));
    } catch (error) {
      const failure =
        error instanceof LocalAwsError ? error : new LocalAwsError("InternalException", String(error), 500);
      answer(res, failure.status, { __type: failure.code, message: failure.message }, failure.code);
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  const port = await listenOnLoopback(server);
  return {
    endpoint: loopbackUrl(port),
    events,
    listen: (listener) => void listeners.push(listener),
    refuseNext(count, code = "InternalFailure") {
      refusals = { count, code };
    },
    stop: () => closeServer(server),
  };
}
