/**
 * A local Step Functions endpoint for the callbacks the handlers make: `SendTaskSuccess` and
 * `SendTaskFailure`, in the awsJson1_0 protocol (`X-Amz-Target: AWSStepFunctions.<Operation>`).
 * Each settles the waiting task in the local runner's token registry. A token that no longer
 * waits answers `TaskTimedOut`, one never issued `InvalidToken`, with the error body Step
 * Functions sends, so the handlers' "request already closed" path runs exactly as on AWS.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { LocalTaskRegistry } from "./state-machine-runner";
import { closeServer, listenOnLoopback, loopbackUrl } from "./loopback";
import { BodyTooLargeError, readBody } from "./request-body";
import { LocalAwsError } from "./local-aws-error";

const TARGET_PREFIX = "AWSStepFunctions.";
const ERROR_NAMESPACE = "com.amazonaws.swf.service.v2.model";
const CONTENT_TYPE = "application/x-amz-json-1.0";

/** The API's limits (Step Functions API reference, SendTaskSuccess / SendTaskFailure). */
export const LIMITS = { taskToken: 2048, outputBytes: 256 * 1024, error: 256, cause: 32768 } as const;

export type TaskCallback =
  | { operation: "SendTaskSuccess"; taskToken: string; output: unknown }
  | { operation: "SendTaskFailure"; taskToken: string; error?: string; cause?: string };

export interface FakeStepFunctionsOptions {
  registry: LocalTaskRegistry;
  /** Called after a callback settled a task (not for refused ones). */
  onCallback?: (callback: TaskCallback) => void;
}

export interface FakeStepFunctions {
  endpoint: string;
  stop(): Promise<void>;
}

function stringField(body: Record<string, unknown>, name: string, max: number, required: boolean): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required)
      throw new LocalAwsError(
        "ValidationException",
        `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
      );
    return undefined;
  }
  if (typeof value !== "string") throw new LocalAwsError("SerializationException", `${name} must be a string`);
  if (value.length > max || (required && value.length < 1)) {
    throw new LocalAwsError(
      "ValidationException",
      `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must have length between ${required ? 1 : 0} and ${max}`,
    );
  }
  return value;
}

/** The callback a request body asks for, or the error Step Functions would answer. */
export function parseCallback(operation: string, body: Record<string, unknown>): TaskCallback {
  const taskToken = stringField(body, "taskToken", LIMITS.taskToken, true)!;
  if (operation === "SendTaskSuccess") {
    const output = stringField(body, "output", Number.MAX_SAFE_INTEGER, true)!;
    if (Buffer.byteLength(output, "utf8") > LIMITS.outputBytes) {
      throw new LocalAwsError(
        "ValidationException",
        "1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to 262144",
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new LocalAwsError("InvalidOutput", "Invalid Output: output is not valid JSON");
    }
    return { operation, taskToken, output: parsed };
  }
  if (operation === "SendTaskFailure") {
    const error = stringField(body, "error", LIMITS.error, false);
    const cause = stringField(body, "cause", LIMITS.cause, false);
    return { operation, taskToken, error, cause };
  }
  throw new LocalAwsError(
    "UnknownOperationException",
    `The local Step Functions endpoint does not implement ${operation}`,
  );
}

function settle(registry: LocalTaskRegistry, callback: TaskCallback): void {
  try {
    if (callback.operation === "SendTaskSuccess") registry.sendTaskSuccess(callback.taskToken, callback.output);
    else registry.sendTaskFailure(callback.taskToken, callback.error, callback.cause);
  } catch (error) {
    // The registry names its errors after the API's exceptions (TaskTimedOut, InvalidToken, InvalidOutput).
    if (error instanceof Error && ["TaskTimedOut", "InvalidToken", "InvalidOutput"].includes(error.name)) {
      throw new LocalAwsError(error.name, error.message);
    }
    throw error;
  }
}

function answer(res: ServerResponse, status: number, body: object, errorCode?: string): void {
  const headers: Record<string, string> = { "content-type": CONTENT_TYPE, "x-amzn-requestid": randomUUID() };
  if (errorCode) headers["x-amzn-errortype"] = errorCode;
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

export async function startFakeStepFunctions(options: FakeStepFunctionsOptions): Promise<FakeStepFunctions> {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const target = String(req.headers["x-amz-target"] ?? "");
      if (req.method !== "POST" || !target.startsWith(TARGET_PREFIX)) {
        throw new LocalAwsError(
          "UnknownOperationException",
          "Expected a POST with X-Amz-Target: AWSStepFunctions.<Operation>",
        );
      }
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req, 2 * LIMITS.outputBytes)).toString("utf8") || "{}");
      } catch (error) {
        if (error instanceof BodyTooLargeError)
          throw new LocalAwsError("ValidationException", "Request too large", 413);
        throw new LocalAwsError("SerializationException", "The request body is not JSON");
      }
      if (typeof body !== "object" || body === null || Array.isArray(body))
        throw new LocalAwsError("SerializationException", "The request body must be a JSON object");
      const callback = parseCallback(target.slice(TARGET_PREFIX.length), body as Record<string, unknown>);
      settle(options.registry, callback);
      answer(res, 200, {});
      options.onCallback?.(callback);
    } catch (error) {
      const sfnError =
        error instanceof LocalAwsError ? error : new LocalAwsError("InternalFailure", String(error), 500);
      answer(
        res,
        sfnError.status,
        { __type: `${ERROR_NAMESPACE}#${sfnError.code}`, message: sfnError.message },
        sfnError.code,
      );
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  const port = await listenOnLoopback(server);
  return { endpoint: loopbackUrl(port), stop: () => closeServer(server) };
}
