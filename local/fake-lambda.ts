/**
 * A local AWS Lambda endpoint for the one call automated-review makes, synchronous Invoke, in the
 * REST-JSON protocol @aws-sdk/client-lambda speaks: `POST /2015-03-31/functions/<name>/invocations`
 * with the payload as the body, answered 200 with the function's result as the body, or, when
 * the function threw, 200 with `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage }`;
 * an unknown function gets 404 ResourceNotFoundException.
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { closeServer, listenOnLoopback, loopbackUrl } from "./loopback";
import { readBody } from "./request-body";

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
/** Lambda's synchronous payload limit. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** Runs a function by name or ARN; resolves with its result, rejects with an Error named after its error type. */
export type LocalInvokeTarget = (payload: unknown) => Promise<unknown>;

export interface FakeLambda {
  endpoint: string;
  stop(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-requestid": randomUUID(), ...headers });
  res.end(body);
}

export async function startFakeLambda(functions: ReadonlyMap<string, LocalInvokeTarget>): Promise<FakeLambda> {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = INVOKE_PATH.exec((req.url ?? "").split("?")[0]);
    const name = match === null ? undefined : decodeURIComponent(match[1]);
    const target = name === undefined ? undefined : functions.get(name);
    if (req.method !== "POST" || target === undefined) {
      const message = name === undefined ? `the local Lambda implements Invoke only` : `Function not found: ${name}`;
      send(res, 404, JSON.stringify({ Type: "User", message }), { "x-amzn-errortype": "ResourceNotFoundException" });
      return;
    }
    const text = (await readBody(req, MAX_PAYLOAD_BYTES)).toString("utf8");
    try {
      const result = await target(text === "" ? {} : JSON.parse(text));
      send(res, 200, JSON.stringify(result ?? null), { "x-amz-executed-version": "$LATEST" });
    } catch (error) {
      const { name: errorType, message: errorMessage } =
        error instanceof Error ? error : { name: "Error", message: String(error) };
      send(res, 200, JSON.stringify({ errorType, errorMessage }), {
        "x-amz-function-error": "Unhandled",
        "x-amz-executed-version": "$LATEST",
      });
    }
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 500, JSON.stringify({ message: String(error) }), { "x-amzn-errortype": "ServiceException" });
    });
  });
  const port = await listenOnLoopback(server);
  return { endpoint: loopbackUrl(port), stop: () => closeServer(server) };
}
