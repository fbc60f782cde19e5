/** API Gateway HTTP API events (payload format 2.0) for the approval page, as the `/r/{id}` route or `$default` sends them. */
import type { APIGatewayProxyEventV2 } from "aws-lambda";

export const FORM = "application/x-www-form-urlencoded";

export function httpEvent(options: {
  method: string;
  /** The ask id of the `/r/{id}` route; without it, the `$default` route with `path`. */
  id?: string;
  path?: string;
  body?: string;
  base64?: boolean;
  contentType?: string;
}): APIGatewayProxyEventV2 {
  const path = options.path ?? `/r/${options.id}`;
  const routeKey = options.id === undefined ? "$default" : "ANY /r/{id}";
  return {
    version: "2.0",
    routeKey,
    rawPath: path,
    rawQueryString: "",
    headers: { host: "pages.example.com", ...(options.contentType ? { "content-type": options.contentType } : {}) },
    pathParameters: options.id === undefined ? undefined : { id: options.id },
    body: options.body,
    isBase64Encoded: options.base64 ?? false,
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "pages.example.com",
      domainPrefix: "pages",
      http: { method: options.method, path, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "test" },
      requestId: "gw-request",
      routeKey,
      stage: "$default",
      time: "01/Jan/2030:00:10:00 +0000",
      timeEpoch: Date.parse("2030-01-01T00:10:00Z"),
    },
  };
}

export const getPage = (id: string) => httpEvent({ method: "GET", id });
export const headPage = (id: string) => httpEvent({ method: "HEAD", id });
export const postPage = (id: string, body: string, contentType = FORM) =>
  httpEvent({ method: "POST", id, body, contentType });

/** The form the page posts: a decision and an optional comment, URL-encoded. */
export const decisionForm = (decision: string, comment?: string) =>
  new URLSearchParams({ decision, ...(comment === undefined ? {} : { comment }) }).toString();
