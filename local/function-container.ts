/**
 * The inside of one local Lambda "container": a worker thread that loads one handler module
 * (its init phase) and then runs invocations sent by local/local-functions.ts. A worker has its
 * own module registry and its own `process.env`, so each function gets exactly its deployed
 * environment and its own SDK clients, created at module load as in Lambda.
 */
import { parentPort, workerData } from "node:worker_threads";

export interface ContainerData {
  handlerModule: string;
  functionName: string;
  functionArn: string;
  memoryMb: number;
}

export type ContainerRequest = { id: number; payload: string; requestId: string; deadline: number };

export type ContainerMessage =
  | { type: "ready" }
  | { type: "initError"; errorType: string; errorMessage: string }
  | { type: "result"; id: number; ok: true; payload: string }
  | { type: "result"; id: number; ok: false; errorType: string; errorMessage: string; stack?: string };

type Handler = (event: unknown, context: object) => Promise<unknown> | unknown;

const port = parentPort!;
const data = workerData as ContainerData;

function describe(error: unknown): { errorType: string; errorMessage: string; stack?: string } {
  return error instanceof Error
    ? { errorType: error.name, errorMessage: error.message, stack: error.stack }
    : { errorType: "Error", errorMessage: String(error) };
}

let handler: Handler;
try {
  // Loaded as Lambda's Node runtime loads a CommonJS handler, in this worker's own module registry.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(data.handlerModule) as { handler?: unknown };
  if (typeof loaded.handler !== "function") throw new Error(`${data.handlerModule} exports no handler function`);
  handler = loaded.handler as Handler;
  port.postMessage({ type: "ready" } satisfies ContainerMessage);
} catch (error) {
  const { errorType, errorMessage } = describe(error);
  port.postMessage({ type: "initError", errorType, errorMessage } satisfies ContainerMessage);
}

port.on("message", async (request: ContainerRequest) => {
  const context = {
    functionName: data.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: data.functionArn,
    memoryLimitInMB: String(data.memoryMb),
    awsRequestId: request.requestId,
    logGroupName: `/aws/lambda/${data.functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, request.deadline - Date.now()),
  };
  let message: ContainerMessage;
  try {
    const result = await handler(JSON.parse(request.payload), context);
    message = { type: "result", id: request.id, ok: true, payload: JSON.stringify(result ?? null) };
  } catch (error) {
    message = { type: "result", id: request.id, ok: false, ...describe(error) };
  }
  port.postMessage(message);
});
