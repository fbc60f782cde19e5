/**
 * The sandbox's HTTP server on 127.0.0.1: the approval pages (through the API Gateway stand-in)
 * and each channel's local pages. Listening comes first, so a taken port fails before anything
 * else starts. Stopping is orderly: new requests get a "stopping" page, requests in flight finish
 * (a decision being recorded is recorded and answered), and only then may the store close.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { htmlDocument, securityHeaders } from "../lambdas/approval-page/document";
import { escapeHtml } from "../lambdas/approval-page/html";
import { closeServer, listenOnLoopback, loopbackUrl } from "./loopback";

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface PageServer {
  port: number;
  /** Base URL with a trailing slash, like the deployed endpoint's. */
  pageUrl: string;
  /** Serves with `handler` from now on (before: a "starting" page). */
  serve(handler: Handler): void;
  /** Refuses new requests, waits for those in flight (at most `graceMs`), then closes. */
  stop(graceMs?: number): Promise<void>;
}

/** A readable page with the same security headers as the approval page, for what the sandbox itself answers. */
export function sandboxPage(res: ServerResponse, status: number, title: string, message: string): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const body = htmlDocument(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
  res.writeHead(status, {
    ...securityHeaders(),
    "Content-Length": String(Buffer.byteLength(body)),
    // The sandbox is going away: no client should keep this connection for another request.
    ...(status === 503 ? { Connection: "close" } : {}),
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

const STOPPING = ["The sandbox is stopping", "Nothing was recorded. Start it again to continue."] as const;
const CUT_SHORT = [
  "The sandbox stopped",
  "It stopped before it could answer. If you sent a decision, it may or may not have been recorded: start the sandbox again to see the request's state.",
] as const;

/**
 * How long requests in flight may take once stopping began. An approval-page invocation ends
 * within its function timeout (10 s, like the deployed one), so this only cuts short a client
 * that is still sending its request.
 */
export const STOP_GRACE_MS = 12_000;

export async function startPageServer(port: number): Promise<PageServer> {
  let handler: Handler | undefined;
  let stopping = false;
  let closed: Promise<void> | undefined;
  const inFlight = new Map<ServerResponse, Promise<void>>();
  const server = createServer((req, res) => {
    if (stopping) return sandboxPage(res, 503, ...STOPPING);
    if (handler === undefined) return sandboxPage(res, 503, "The sandbox is starting", "Try again in a moment.");
    const handled = handler(req, res)
      .catch(() =>
        sandboxPage(res, 500, "Something went wrong", "The sandbox could not answer this request; see its output."),
      )
      .finally(() => inFlight.delete(res));
    inFlight.set(res, handled);
  });
  const bound = await listenOnLoopback(server, port);
  const stop = async (graceMs: number) => {
    stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...inFlight.values()]), graceOver]);
    clearTimeout(timer);
    // Whatever is still unanswered gets a page that says so, rather than a dropped connection.
    for (const res of inFlight.keys()) sandboxPage(res, 503, ...CUT_SHORT);
    await closeServer(server);
  };
  return {
    port: bound,
    pageUrl: `${loopbackUrl(bound)}/`,
    serve(next) {
      handler = next;
    },
    stop(graceMs = STOP_GRACE_MS) {
      closed ??= stop(graceMs);
      return closed;
    },
  };
}
