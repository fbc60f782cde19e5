/**
 * The sandbox's HTTP server on 127.0.0.1: the approval pages (through the API Gateway stand-in)
 * and each channel's local pages. Listening comes first, so a taken port fails before anything
 * else starts. Stopping is orderly: new requests get a "stopping" page, requests in flight finish
 * (a decision being recorded is recorded and answered), and only then may the store close.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { htmlDocument, securityHeaders } from "../lambdas/approval-page/document";
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
    res.end();
    return;
  }
  const body = htmlDocument(title, `<h1>${title}</h1>\n<p>${message}</p>`);
  res.writeHead(status, { ...securityHeaders(), "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}

export async function startPageServer(port: number): Promise<PageServer> {
  let handler: Handler | undefined;
  let stopping = false;
  let closed: Promise<void> | undefined;
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    if (stopping)
      return sandboxPage(res, 503, "The sandbox is stopping", "Nothing was recorded. Start it again to continue.");
    if (handler === undefined) return sandboxPage(res, 503, "The sandbox is starting", "Try again in a moment.");
    const handled = handler(req, res)
      .catch(() =>
        sandboxPage(res, 500, "Something went wrong", "The sandbox could not answer this request; see its output."),
      )
      .finally(() => inFlight.delete(handled));
    inFlight.add(handled);
  });
  const bound = await listenOnLoopback(server, port);
  return {
    port: bound,
    pageUrl: `${loopbackUrl(bound)}/`,
    serve(next) {
      handler = next;
    },
    stop(graceMs = 5000) {
      stopping = true;
      closed ??= (async () => {
        await Promise.race([
          Promise.allSettled([...inFlight]),
          new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
        await closeServer(server);
      })();
      return closed;
    },
  };
}
