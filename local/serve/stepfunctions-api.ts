/**
 * The sandbox's public AWS endpoint (`npm start -- --serve`): the Step Functions calls that
 * `parallel-approval` and the AWS CLI make for this one state machine, in the awsJson1_0 protocol
 * (`X-Amz-Target: AWSStepFunctions.<Operation>`, timestamps as epoch seconds), with the error
 * shapes Step Functions sends (`{"__type": "com.amazonaws.swf.service.v2.model#<Code>",
 * "message"}` and HTTP 400), and STS GetCallerIdentity in the query protocol, so the default
 * credential chain's caller has a local identity. Operations and their errors follow the API
 * reference (https://docs.aws.amazon.com/step-functions/latest/apireference/API_Operations.html):
 *  - StartExecution: name optional (a UUID), 1-80 characters without whitespace, brackets,
 *    wildcards or special characters; input JSON, at most 256 KiB; the same name and input as a
 *    running execution answers that execution again, otherwise ExecutionAlreadyExists.
 *  - DescribeExecution, StopExecution, GetExecutionHistory (maxResults, reverseOrder, nextToken,
 *    includeExecutionData), ListExecutions (statusFilter, maxResults, nextToken), newest first.
 * Everything else answers UnknownOperationException.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { MAX_PAYLOAD_BYTES } from "../../core/limits";
import { ANY_CONTROL } from "../../core/text";
import { LocalAwsError } from "../local-aws-error";
import { BodyTooLargeError, readBody } from "../request-body";
import type { HistoryEvent } from "./execution-history";

const TARGET_PREFIX = "AWSStepFunctions.";
const ERROR_NAMESPACE = "com.amazonaws.swf.service.v2.model";
const JSON_CONTENT_TYPE = "application/x-amz-json-1.0";
const MAX_REQUEST_BYTES = 2 * MAX_PAYLOAD_BYTES;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export interface ServedExecution {
  executionArn: string;
  name: string;
  input: string;
  startDate: Date;
  stopDate?: Date;
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
  history(): readonly HistoryEvent[];
}

export interface StateMachineBackend {
  stateMachineArn: string;
  start(name: string, input: string): ServedExecution;
  get(executionArn: string): ServedExecution | undefined;
  /** Newest first. */
  list(): readonly ServedExecution[];
  stop(execution: ServedExecution, error?: string, cause?: string): Promise<void>;
  callerIdentity(): { arn: string; account: string; userId: string };
}

const seconds = (date: Date) => date.getTime() / 1000;
type Body = Record<string, unknown>;

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;
/** No whitespace, brackets, wildcards, special characters ("#%\^|~`$&,;:/) or control characters. */
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;

function validation(field: string, constraint: string, value: unknown): LocalAwsError {
  return new LocalAwsError(
    "ValidationException",
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function stringField(body: Body, field: string, required: true, max: number): string;
function stringField(body: Body, field: string, required: false, max: number): string | undefined;
function stringField(body: Body, field: string, required: boolean, max: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) throw validation(field, "Member must not be null", null);
    return undefined;
  }
  if (typeof value !== "string") throw new LocalAwsError("SerializationException", `${field} must be a string`);
  if (value.length > max || (required && value.length < 1))
    throw validation(field, `Member must have length between ${required ? 1 : 0} and ${max}`, value);
  return value;
}

function pageSize(body: Body): number {
  const value = body.maxResults;
  if (value === undefined || value === null || value === 0) return DEFAULT_PAGE;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_PAGE)
    throw validation("maxResults", `Member must have value less than or equal to ${MAX_PAGE}`, value);
  return value;
}

/** An opaque token: the offset of the next page, for one listing. */
function page<T>(items: readonly T[], body: Body, scope: string): { items: T[]; nextToken?: string } {
  const size = pageSize(body);
  let start = 0;
  const token = stringField(body, "nextToken", false, 1024);
  if (token !== undefined) {
    const decoded = /^(\d+):(.*)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
    if (decoded === null || decoded[2] !== scope) throw new LocalAwsError("InvalidToken", `Invalid Token: '${token}'`);
    start = Number(decoded[1]);
  }
  const slice = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(`${start + size}:${scope}`).toString("base64url") : undefined;
  return next === undefined ? { items: slice } : { items: slice, nextToken: next };
}

function executionOf(backend: StateMachineBackend, body: Body): ServedExecution {
  const arn = stringField(body, "executionArn", true, 256);
  if (!EXECUTION_ARN.test(arn)) throw new LocalAwsError("InvalidArn", `Invalid Arn: '${arn}'`);
  const execution = backend.get(arn);
  if (execution === undefined) throw new LocalAwsError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
  return execution;
}

function checkStateMachine(backend: StateMachineBackend, body: Body): void {
  const arn = stringField(body, "stateMachineArn", true, 256);
  if (!STATE_MACHINE_ARN.test(arn)) throw new LocalAwsError("InvalidArn", `Invalid Arn: '${arn}'`);
  if (arn !== backend.stateMachineArn)
    throw new LocalAwsError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
}

function startExecution(backend: StateMachineBackend, body: Body) {
  checkStateMachine(backend, body);
  const name = stringField(body, "name", false, 80) ?? randomUUID();
  if (name.length < 1 || INVALID_NAME.test(name) || ANY_CONTROL.test(name))
    throw new LocalAwsError("InvalidName", `Invalid Name: '${name}'`);
  const input = stringField(body, "input", false, Number.MAX_SAFE_INTEGER) ?? "{}";
  if (Buffer.byteLength(input, "utf8") > MAX_PAYLOAD_BYTES)
    throw validation("input", `Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`, "…");
  try {
    JSON.parse(input);
  } catch (error) {
    throw new LocalAwsError(
      "InvalidExecutionInput",
      `Invalid State Machine Execution Input: '${(error as Error).message}'`,
    );
  }
  const existing = backend.list().find((execution) => execution.name === name);
  if (existing !== undefined) {
    // "If StartExecution is called with the same name and input as a running execution, the call
    // succeeds and returns the same response as the original request."
    if (existing.status === "RUNNING" && existing.input === input)
      return { executionArn: existing.executionArn, startDate: seconds(existing.startDate) };
    throw new LocalAwsError("ExecutionAlreadyExists", `Execution Already Exists: '${existing.executionArn}'`);
  }
  const started = backend.start(name, input);
  return { executionArn: started.executionArn, startDate: seconds(started.startDate) };
}

function describeExecution(backend: StateMachineBackend, body: Body) {
  const e = executionOf(backend, body);
  return {
    executionArn: e.executionArn,
    stateMachineArn: backend.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: seconds(e.startDate),
    ...(e.stopDate === undefined ? {} : { stopDate: seconds(e.stopDate) }),
    input: e.input,
    inputDetails: { included: true },
    ...(e.output === undefined ? {} : { output: e.output, outputDetails: { included: true } }),
    ...(e.error === undefined ? {} : { error: e.error }),
    ...(e.cause === undefined ? {} : { cause: e.cause }),
    redriveCount: 0,
    redriveStatus: "NOT_REDRIVABLE",
  };
}

const STATUSES: readonly string[] = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"];

function listExecutions(backend: StateMachineBackend, body: Body) {
  checkStateMachine(backend, body);
  const filter = stringField(body, "statusFilter", false, 32);
  if (filter !== undefined && !STATUSES.includes(filter))
    throw validation("statusFilter", `Member must satisfy enum value set: [${STATUSES.join(", ")}]`, filter);
  const all = backend.list().filter((e) => filter === undefined || e.status === filter);
  const { items, nextToken } = page(all, body, `list:${filter ?? ""}`);
  return {
    executions: items.map((e) => ({
      executionArn: e.executionArn,
      stateMachineArn: backend.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: seconds(e.startDate),
      ...(e.stopDate === undefined ? {} : { stopDate: seconds(e.stopDate) }),
      redriveCount: 0,
    })),
    ...(nextToken === undefined ? {} : { nextToken }),
  };
}

async function stopExecution(backend: StateMachineBackend, body: Body) {
  const execution = executionOf(backend, body);
  const error = stringField(body, "error", false, 256);
  const cause = stringField(body, "cause", false, 32768);
  // An execution that already ended keeps its status; the call reports when it stopped.
  if (execution.status === "RUNNING") await backend.stop(execution, error, cause);
  return { stopDate: seconds(execution.stopDate ?? new Date()) };
}

/** What includeExecutionData=false leaves out of an event: inputs, outputs and task parameters. */
function withoutData(event: HistoryEvent): HistoryEvent {
  const stripped: HistoryEvent = { ...event };
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith("EventDetails") || typeof value !== "object" || value === null) continue;
    const { input: _i, output: _o, parameters: _p, ...rest } = value as Record<string, unknown>;
    stripped[key] = rest;
  }
  return stripped;
}

function getExecutionHistory(backend: StateMachineBackend, body: Body) {
  const execution = executionOf(backend, body);
  const events = [...execution.history()];
  if (body.reverseOrder === true) events.reverse();
  const { items, nextToken } = page(events, body, `history:${execution.executionArn}:${String(body.reverseOrder)}`);
  const data = body.includeExecutionData !== false;
  return { events: data ? items : items.map(withoutData), ...(nextToken === undefined ? {} : { nextToken }) };
}

const OPERATIONS: Record<string, (backend: StateMachineBackend, body: Body) => unknown> = {
  StartExecution: startExecution,
  DescribeExecution: describeExecution,
  ListExecutions: listExecutions,
  StopExecution: stopExecution,
  GetExecutionHistory: getExecutionHistory,
};

function answerJson(res: ServerResponse, status: number, body: unknown, errorCode?: string): void {
  const headers: Record<string, string> = { "content-type": JSON_CONTENT_TYPE, "x-amzn-requestid": randomUUID() };
  if (errorCode) headers["x-amzn-errortype"] = errorCode;
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

async function handleStepFunctions(backend: StateMachineBackend, req: IncomingMessage, res: ServerResponse) {
  try {
    const operation = String(req.headers["x-amz-target"]).slice(TARGET_PREFIX.length);
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, MAX_REQUEST_BYTES)).toString("utf8") || "{}");
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw new LocalAwsError("ValidationException", "Request too large", 413);
      throw new LocalAwsError("SerializationException", "The request body is not JSON");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw new LocalAwsError("SerializationException", "The request body must be a JSON object");
    const run = OPERATIONS[operation];
    if (run === undefined)
      throw new LocalAwsError(
        "UnknownOperationException",
        `The sandbox's Step Functions endpoint serves ${Object.keys(OPERATIONS).join(", ")}; not ${operation}`,
      );
    answerJson(res, 200, await run(backend, body as Body));
  } catch (error) {
    const failure = error instanceof LocalAwsError ? error : new LocalAwsError("InternalFailure", String(error), 500);
    answerJson(
      res,
      failure.status,
      { __type: `${ERROR_NAMESPACE}#${failure.code}`, message: failure.message },
      failure.code,
    );
  }
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** STS GetCallerIdentity (query protocol: form-encoded POST, XML answer). */
async function handleSts(backend: StateMachineBackend, req: IncomingMessage, res: ServerResponse) {
  const params = new URLSearchParams((await readBody(req, 64 * 1024)).toString("utf8"));
  const requestId = randomUUID();
  if (params.get("Action") !== "GetCallerIdentity") {
    res.writeHead(400, { "content-type": "text/xml" });
    res.end(
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>The sandbox serves only GetCallerIdentity</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
    return;
  }
  const who = backend.callerIdentity();
  res.writeHead(200, { "content-type": "text/xml", "x-amzn-requestid": requestId });
  res.end(
    `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
      `<Arn>${escapeXml(who.arn)}</Arn><UserId>${escapeXml(who.userId)}</UserId><Account>${who.account}</Account>` +
      `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  );
}

/** True when the request is an AWS API call (and it was answered), false for the pages. */
export async function serveAwsApi(
  backend: StateMachineBackend,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  if (req.method !== "POST" || (req.url ?? "/").split("?")[0] !== "/") return false;
  if (String(req.headers["x-amz-target"] ?? "").startsWith(TARGET_PREFIX)) {
    await handleStepFunctions(backend, req, res);
    return true;
  }
  if (String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
    await handleSts(backend, req, res);
    return true;
  }
  return false;
}
