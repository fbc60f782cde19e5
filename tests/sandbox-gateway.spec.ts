/**
 * The sandbox's API Gateway stand-in builds the event the deployed HTTP API (payload format 2.0)
 * hands the approval-page Lambda, and reads the Lambda's result back the way API Gateway does.
 */
import assert from "node:assert/strict";
import { parseRequest } from "../lambdas/approval-page/request-parsing";
import { freshId } from "../core/ids";
import {
  DEFAULT_ROUTE_KEY,
  gatewayEvent,
  gatewayResponse,
  PAGE_ROUTE_KEY,
  requestTime,
  type GatewayRequest,
} from "../local/http-gateway";

const identity = { apiId: "local", accountId: "000000000000", domainName: "127.0.0.1:8787" };
const at = new Date("2030-03-12T19:03:58.123Z");

function request(overrides: Partial<GatewayRequest>): GatewayRequest {
  return {
    method: "GET",
    url: "/",
    httpVersion: "1.1",
    rawHeaders: [],
    body: Buffer.alloc(0),
    sourceIp: "127.0.0.1",
    port: 8787,
    ...overrides,
  };
}

describe("sandbox API Gateway stand-in (HTTP API, payload format 2.0)", () => {
  it("turns a browser's form post into the event API Gateway sends: route, path parameter, lowercase headers, base64 body", () => {
    const id = freshId();
    const body = Buffer.from("decision=approve&comment=ok+%C3%A9", "utf8");
    const event = gatewayEvent(
      request({
        method: "POST",
        url: `/r/${id}?utm=mail&utm=x`,
        rawHeaders: [
          "Content-Type",
          "application/x-www-form-urlencoded",
          "User-Agent",
          "Chromium",
          "Accept",
          "text/html",
          "Accept",
          "*/*",
          "Cookie",
          "a=1; b=2",
        ],
        body,
      }),
      identity,
      at,
      "req-1",
    );
    assert.equal(event.version, "2.0");
    assert.equal(event.routeKey, PAGE_ROUTE_KEY);
    assert.equal(event.rawPath, `/r/${id}`);
    assert.equal(event.rawQueryString, "utm=mail&utm=x");
    assert.deepEqual(event.queryStringParameters, { utm: "mail,x" });
    assert.deepEqual(event.pathParameters, { id });
    assert.deepEqual(event.cookies, ["a=1", "b=2"]);
    assert.equal(event.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(event.headers.accept, "text/html,*/*", "repeated headers joined with commas");
    assert.equal(event.headers.cookie, undefined, "cookies move to event.cookies");
    assert.equal(event.headers["x-forwarded-for"], "127.0.0.1");
    assert.equal(event.isBase64Encoded, true, "a form post arrives base64-encoded");
    assert.equal(Buffer.from(event.body!, "base64").toString("utf8"), body.toString("utf8"));
    assert.deepEqual(event.requestContext.http, {
      method: "POST",
      path: `/r/${id}`,
      protocol: "HTTP/1.1",
      sourceIp: "127.0.0.1",
      userAgent: "Chromium",
    });
    assert.equal(event.requestContext.routeKey, PAGE_ROUTE_KEY);
    assert.equal(event.requestContext.stage, "$default");
    assert.equal(event.requestContext.requestId, "req-1");
    assert.equal(event.requestContext.time, "12/Mar/2030:19:03:58 +0000");
    assert.equal(event.requestContext.timeEpoch, at.getTime());

    // The approval page's own parser reads it as the decision the form sent.
    assert.deepEqual(parseRequest(event), {
      kind: "decide",
      method: "POST",
      askId: id,
      decision: "approve",
      comment: "ok é",
    });
  });

  it("routes any other path to $default without path parameters, and passes a JSON body as text", () => {
    const event = gatewayEvent(
      request({
        method: "PUT",
        url: "/favicon.ico",
        rawHeaders: ["content-type", "application/json"],
        body: Buffer.from('{"a":1}'),
      }),
      identity,
      at,
    );
    assert.equal(event.routeKey, DEFAULT_ROUTE_KEY);
    assert.equal(event.pathParameters, undefined);
    assert.equal(event.queryStringParameters, undefined);
    assert.equal(event.isBase64Encoded, false);
    assert.equal(event.body, '{"a":1}');
  });

  it("leaves the body out of a request without one (GET, HEAD)", () => {
    const event = gatewayEvent(request({ method: "HEAD", url: `/r/${freshId()}` }), identity, at);
    assert.equal(event.body, undefined);
    assert.equal(event.isBase64Encoded, false);
  });

  it("reads a structured result as status, headers, cookies and (base64-decoded) body, and any other result as 200 JSON", () => {
    const structured = gatewayResponse({
      statusCode: 409,
      headers: { "Content-Type": "text/html" },
      cookies: ["s=1"],
      body: Buffer.from("<p>x</p>").toString("base64"),
      isBase64Encoded: true,
    });
    assert.equal(structured.statusCode, 409);
    assert.equal(structured.headers["content-type"], "text/html");
    assert.deepEqual(structured.cookies, ["s=1"]);
    assert.equal(structured.body.toString(), "<p>x</p>");

    const plain = gatewayResponse({ ok: true });
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.headers["content-type"], "application/json");
    assert.equal(plain.body.toString(), '{"ok":true}');
  });

  it("writes requestContext.time as API Gateway does, with two-digit day and UTC offset", () => {
    assert.equal(requestTime(new Date("2031-01-05T03:04:05Z")), "05/Jan/2031:03:04:05 +0000");
  });
});
