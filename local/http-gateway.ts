/**
 * A local stand-in for the approval page's API Gateway HTTP API: turns a Node HTTP request into
 * the exact event (payload format 2.0) the deployed endpoint hands the Lambda, and the Lambda's
 * result back into the HTTP response, as API Gateway does:
 *  - routes `ANY /r/{id}` (with `pathParameters.id`) and `$default` for every other path, stage
 *    `$default` (components/approval-endpoint.ts declares the same two routes);
 *  - header names lowercased, repeated headers joined with commas, cookies moved to `cookies`,
 *    the x-forwarded-* headers API Gateway adds;
 *  - `rawQueryString` as sent and `queryStringParameters` with repeated keys joined by commas;
 *  - the body as text for text content types, base64 with `isBase64Encoded` otherwise (a form
 *    post arrives base64-encoded, as on AWS);
 *  - a result without `statusCode` is 200 JSON, a thrown error is a 500.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { PAGE_ROUTE } from "../core/routes";
import { BodyTooLargeError, readBody } from "./request-body";

/** API Gateway's request payload limit. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export const PAGE_ROUTE_KEY = `ANY ${PAGE_ROUTE}`;
export const DEFAULT_ROUTE_KEY = "$default";

export interface GatewayIdentity {
  apiId: string;
  accountId: string;
  /** The host clients reach the API at, e.g. 127.0.0.1:8787. */
  domainName: string;
}

export interface GatewayRequest {
  method: string;
  /** Path and query exactly as sent (`req.url`). */
  url: string;
  httpVersion: string;
  /** Node's raw header list: name, value, name, value... */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  /** The local port the client connected to (x-forwarded-port). */
  port: number;
}

/** Content types API Gateway passes as text; anything else (including form posts) is base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(";")[0].trim().toLowerCase();
  return (
    type.startsWith("text/") ||
    type === "application/json" ||
    type.endsWith("+json") ||
    type === "application/xml" ||
    type.endsWith("+xml") ||
    type === "application/javascript"
  );
}

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
export function requestTime(date: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

function route(rawPath: string): { routeKey: string; pathParameters?: Record<string, string> } {
  const match = /^\/r\/([^/]+)$/.exec(rawPath);
  if (!match) return { routeKey: DEFAULT_ROUTE_KEY };
  let id: string;
  try {
    id = decodeURIComponent(match[1]);
  } catch {
    id = match[1];
  }
  return { routeKey: PAGE_ROUTE_KEY, pathParameters: { id } };
}

function joinedHeaders(rawHeaders: string[]): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    if (name === "cookie") {
      cookies.push(
        ...value
          .split(";")
          .map((c) => c.trim())
          .filter((c) => c !== ""),
      );
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return { headers, cookies };
}

function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === "") return undefined;
  const joined: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    joined[key] = joined[key] === undefined ? value : `${joined[key]},${value}`;
  }
  return Object.keys(joined).length === 0 ? undefined : joined;
}

/** The payload-format-2.0 event API Gateway would send the Lambda for this request. */
export function gatewayEvent(
  request: GatewayRequest,
  identity: GatewayIdentity,
  now = new Date(),
  requestId: string = randomUUID(),
): APIGatewayProxyEventV2 {
  const queryAt = request.url.indexOf("?");
  const rawPath = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? "" : request.url.slice(queryAt + 1);
  const { headers, cookies } = joinedHeaders(request.rawHeaders);
  // What API Gateway adds in front of the Lambda.
  headers.host = identity.domainName;
  headers["x-forwarded-for"] = headers["x-forwarded-for"]
    ? `${headers["x-forwarded-for"]}, ${request.sourceIp}`
    : request.sourceIp;
  headers["x-forwarded-port"] = String(request.port);
  headers["x-forwarded-proto"] = "http";
  headers["x-amzn-trace-id"] =
    `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomUUID().replace(/-/g, "").slice(0, 24)}`;

  const { routeKey, pathParameters } = route(rawPath);
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: identity.accountId,
      apiId: identity.apiId,
      domainName: identity.domainName,
      domainPrefix: identity.domainName.split(".")[0],
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey,
      stage: "$default",
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies.length > 0) event.cookies = cookies;
  const query = queryParameters(rawQueryString);
  if (query) event.queryStringParameters = query;
  if (pathParameters) event.pathParameters = pathParameters;
  if (request.body.length > 0) {
    const text = isTextContentType(headers["content-type"]);
    event.body = text ? request.body.toString("utf8") : request.body.toString("base64");
    event.isBase64Encoded = !text;
  }
  return event;
}

export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/** How API Gateway reads a Lambda's result (payload format 2.0). */
export function gatewayResponse(result: unknown): GatewayResponse {
  const structured = typeof result === "object" && result !== null && "statusCode" in result;
  if (!structured) {
    // No statusCode: API Gateway answers 200 with the result as JSON (a string as it is).
    const body = typeof result === "string" ? result : JSON.stringify(result ?? null);
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.from(body, "utf8"),
    };
  }
  const r = result as APIGatewayProxyStructuredResultV2;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(r.headers ?? {})) headers[name.toLowerCase()] = String(value);
  const rawBody = r.body ?? "";
  return {
    statusCode: Number(r.statusCode),
    headers,
    cookies: r.cookies ?? [],
    body: r.isBase64Encoded ? Buffer.from(rawBody, "base64") : Buffer.from(rawBody, "utf8"),
  };
}

function send(
  res: ServerResponse,
  method: string,
  response: GatewayResponse,
  requestId: string,
  length?: number,
): void {
  // The sandbox's page server may already have answered (it stopped before the function did).
  if (res.headersSent) return;
  const headers: Record<string, string | string[]> = { ...response.headers, "apigw-requestid": requestId };
  if (response.cookies.length > 0) headers["set-cookie"] = response.cookies;
  headers["content-length"] = String(length ?? response.body.length);
  res.writeHead(response.statusCode, headers);
  res.end(method === "HEAD" ? undefined : response.body);
}

const JSON_TYPE = { "content-type": "application/json" };

const jsonResponse = (statusCode: number, message: string): GatewayResponse => ({
  statusCode,
  headers: JSON_TYPE,
  cookies: [],
  body: Buffer.from(JSON.stringify({ message })),
});

/** The function's answer as API Gateway reads it; a failed invocation is API Gateway's 500. */
async function invokeForResponse(
  invoke: (event: APIGatewayProxyEventV2) => Promise<unknown>,
  event: APIGatewayProxyEventV2,
): Promise<GatewayResponse> {
  try {
    return gatewayResponse(await invoke(event));
  } catch {
    return jsonResponse(500, "Internal Server Error");
  }
}

/**
 * The Content-Length a HEAD answer carries: the length of the body GET would get (RFC 9110
 * §9.3.2: HEAD answers with the header fields of GET, without the body). The approval page answers
 * HEAD with GET's status and headers and an empty body, so the stand-in asks the same function
 * for the GET (which reads, never decides) to learn that length. What the deployed API Gateway
 * sends here can only be seen on AWS.
 */
async function headLength(
  invoke: (event: APIGatewayProxyEventV2) => Promise<unknown>,
  event: APIGatewayProxyEventV2,
  head: GatewayResponse,
): Promise<number> {
  if (head.body.length > 0) return head.body.length;
  const http = { ...event.requestContext.http, method: "GET" };
  const asGet = await invokeForResponse(invoke, { ...event, requestContext: { ...event.requestContext, http } });
  return asGet.statusCode === head.statusCode ? asGet.body.length : 0;
}

/**
 * Serves one HTTP request through `invoke` (the approval-page function) as API Gateway would,
 * answering 413 for an oversized body and 500 when the function fails.
 */
export async function serveThroughGateway(
  req: IncomingMessage,
  res: ServerResponse,
  identity: GatewayIdentity,
  invoke: (event: APIGatewayProxyEventV2) => Promise<unknown>,
): Promise<void> {
  const requestId = randomUUID();
  const method = (req.method ?? "GET").toUpperCase();
  let body: Buffer;
  try {
    body = await readBody(req, MAX_PAYLOAD_BYTES);
  } catch (error) {
    const tooLarge = error instanceof BodyTooLargeError;
    send(
      res,
      method,
      jsonResponse(tooLarge ? 413 : 400, tooLarge ? "Request Entity Too Large" : "Bad Request"),
      requestId,
    );
    return;
  }
  const event = gatewayEvent(
    {
      method,
      url: req.url ?? "/",
      httpVersion: req.httpVersion,
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
      port: req.socket.localPort ?? 0,
    },
    identity,
    new Date(),
    requestId,
  );
  const response = await invokeForResponse(invoke, event);
  const length = method === "HEAD" ? await headLength(invoke, event, response) : undefined;
  send(res, method, response, requestId, length);
}
