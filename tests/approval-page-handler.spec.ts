import assert from "node:assert/strict";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createHandler, handler as defaultHandler, type ApprovalPageDeps } from "../lambdas/approval-page/index";
import { freshId } from "../lambdas/shared/ids";
import { formatLogLine, type Logger, type LogLevel } from "../lambdas/shared/log";
import type { RequestRecord } from "../lambdas/shared/model";
import { createRequestStore, type RequestStore } from "../lambdas/shared/store";
import { localDocumentClient, startDynalite, type LocalTable } from "./helpers/dynalite";
import {
  fakeCallbacks,
  seedRequest,
  HOUR_MS,
  T0,
  type FakeCallbacks,
  type SeededRequest,
} from "./helpers/request-fixtures";

const BEFORE_DEADLINE = new Date(T0.getTime() + 10 * 60_000);
const AFTER_DEADLINE = new Date(T0.getTime() + HOUR_MS + 60_000);
const FORM = "application/x-www-form-urlencoded";

function httpEvent(options: {
  method: string;
  id?: string;
  path?: string;
  body?: string;
  base64?: boolean;
  contentType?: string;
}): APIGatewayProxyEventV2 {
  const path = options.path ?? `/r/${options.id}`;
  return {
    version: "2.0",
    routeKey: options.id === undefined ? "$default" : "ANY /r/{id}",
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
      routeKey: options.id === undefined ? "$default" : "ANY /r/{id}",
      stage: "$default",
      time: "01/Jan/2030:00:10:00 +0000",
      timeEpoch: BEFORE_DEADLINE.getTime(),
    },
  };
}

const get = (id: string) => httpEvent({ method: "GET", id });
const head = (id: string) => httpEvent({ method: "HEAD", id });
const post = (id: string, body: string, contentType = FORM) => httpEvent({ method: "POST", id, body, contentType });

/** The page's visible text, tags stripped and whitespace collapsed. */
function text(response: APIGatewayProxyStructuredResultV2): string {
  return (response.body ?? "")
    .replace(/<style>[\s\S]*?<\/style>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ");
}

/** A logger that keeps the exact JSON lines the real one would write. */
function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push(formatLogLine(level, message, fields));
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

describe("approval page handler (dynalite)", () => {
  let table: LocalTable;
  let client: DynamoDBDocumentClient;
  let store: RequestStore;
  let callbacks: FakeCallbacks;
  let logger: ReturnType<typeof captureLogger>;
  let now: Date;
  let seeded: SeededRequest;
  let page: ReturnType<typeof createHandler>;
  let savedLogLevel: string | undefined;

  const [first, second, third] = ["approver-1", "approver-2", "approver-3"];
  const askOf = (approver: string) => seeded.askIds[approver];
  const record = async (): Promise<RequestRecord> => {
    const found = await store.getRequest(seeded.requestId);
    assert.ok(found, "request record exists");
    return found;
  };

  before(async () => {
    // The recorder logs through the shared logger; keep test output clean (this file's logger is captured).
    savedLogLevel = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "silent";
    table = await startDynalite();
    client = localDocumentClient(table);
    store = createRequestStore({ client, tableName: table.tableName });
  });

  after(async () => {
    client.destroy();
    await table.stop();
    if (savedLogLevel === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = savedLogLevel;
  });

  beforeEach(async () => {
    seeded = await seedRequest(store, [first, second, third], 2);
    callbacks = fakeCallbacks();
    logger = captureLogger();
    now = BEFORE_DEADLINE;
    const deps: ApprovalPageDeps = { store, callbacks, now: () => now, log: logger };
    page = createHandler(deps);
  });

  describe("GET and HEAD", () => {
    it("GET shows the request and the form, and decides nothing", async () => {
      const before = await record();
      const response = await page(get(askOf(first)));
      assert.equal(response.statusCode, 200);
      assert.match(response.body ?? "", /<h1>Deploy release 42<\/h1>/);
      assert.ok(text(response).includes("Approver approver-1 (approver-1@example.com)"));
      assert.ok(text(response).includes("2 of 3 approvals needed; so far 0 approved"));
      assert.match(response.body ?? "", /<form method="post">/);
      assert.deepEqual(await record(), before, "record unchanged");
      assert.deepEqual(callbacks.calls, [], "no callback");
    });

    it("GET never shows the task token", async () => {
      const response = await page(get(askOf(first)));
      assert.ok(!(response.body ?? "").includes(seeded.tokens[first]));
    });

    it("HEAD answers with GET's status and headers, an empty body, and decides nothing", async () => {
      const before = await record();
      const viaGet = await page(get(askOf(first)));
      const viaHead = await page(head(askOf(first)));
      assert.equal(viaHead.statusCode, viaGet.statusCode);
      assert.deepEqual(viaHead.headers, viaGet.headers);
      assert.equal(viaHead.body, "");
      assert.deepEqual(await record(), before);
      assert.deepEqual(callbacks.calls, []);
    });

    it("HEAD with a form body still decides nothing", async () => {
      const response = await page(
        httpEvent({ method: "HEAD", id: askOf(first), body: "decision=approve", contentType: FORM }),
      );
      assert.equal(response.statusCode, 200);
      assert.deepEqual((await record()).votes, {});
    });

    it("GET after deciding shows the earlier decision, 200, without a form", async () => {
      await page(post(askOf(first), "decision=reject&comment=Not+this+week"));
      const response = await page(get(askOf(first)));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("You already decided on this request. Your decision: Rejected"));
      assert.ok(text(response).includes("Not this week"));
      assert.ok(!/<form/.test(response.body ?? ""));
    });

    it("GET after close shows the outcome", async () => {
      await store.closeRequest(seeded.requestId, "approved", BEFORE_DEADLINE);
      const response = await page(get(askOf(first)));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("This request is closed: approved."));
      assert.ok(text(response).includes("You did not decide on it."));
    });

    it("GET after close shows the outcome and this approver's own decision", async () => {
      await page(post(askOf(first), "decision=approve&comment=Fine"));
      await store.closeRequest(seeded.requestId, "approved", BEFORE_DEADLINE);
      const response = await page(get(askOf(first)));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("This request is closed: approved."));
      assert.ok(text(response).includes("Your decision: Approved"));
      assert.ok(text(response).includes("Fine"));
    });

    it("GET when the deadline recorded an expiry for this approver shows the missed deadline, not a decision", async () => {
      await store.applyVote(seeded.requestId, first, {
        decision: "expired",
        decidedAt: AFTER_DEADLINE.toISOString(),
        decidedBy: "deadline",
        channel: "deadline",
      });
      const response = await page(get(askOf(first)));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("The deadline for your decision has passed."));
      assert.ok(!/<form/.test(response.body ?? ""));
    });

    it("GET after the deadline says so and offers no form", async () => {
      now = AFTER_DEADLINE;
      const response = await page(get(askOf(first)));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("The deadline for your decision has passed."));
      assert.ok(!/<form/.test(response.body ?? ""));
    });
  });

  describe("POST", () => {
    it("approve: 200, the vote recorded as the email the link was sent to, via the link channel", async () => {
      const response = await page(post(askOf(first), "decision=approve&comment=Ship+it"));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("Your approval was recorded, waiting for the others."));
      const after = await record();
      assert.equal(after.approvals, 1);
      assert.deepEqual(after.votes[first], {
        decision: "approve",
        comment: "Ship it",
        decidedAt: BEFORE_DEADLINE.toISOString(),
        decidedBy: "approver-1@example.com",
        channel: "link",
      });
      assert.equal(callbacks.calls.length, 1);
      assert.equal(callbacks.calls[0].taskToken, seeded.tokens[first]);
      assert.equal(callbacks.calls[0].signal, "none");
    });

    it("the vote that reaches the quorum says it completed the quorum", async () => {
      await page(post(askOf(first), "decision=approve"));
      const response = await page(post(askOf(second), "decision=approve"));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("This completed the quorum: the request is approved."));
      assert.equal(callbacks.calls[1].signal, "quorumReached");
    });

    it("the vote that makes approval impossible says so", async () => {
      await page(post(askOf(first), "decision=reject"));
      const response = await page(post(askOf(second), "decision=reject"));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("This made approval impossible: the request is rejected."));
    });

    it("a second POST is 409, says what was already decided, and records nothing twice", async () => {
      await page(post(askOf(first), "decision=approve&comment=First"));
      const response = await page(post(askOf(first), "decision=reject&comment=Second"));
      assert.equal(response.statusCode, 409);
      const t = text(response);
      assert.ok(
        t.includes("You already decided on this request. Your rejection was not recorded . Your decision: Approved"),
        t,
      );
      assert.ok(t.includes("First"));
      const after = await record();
      assert.equal(after.approvals, 1);
      assert.equal(after.rejections, 0);
      assert.equal(after.votes[first].comment, "First");
      assert.equal(callbacks.calls.length, 1, "one callback only");
    });

    it("a POST after the request closed is 409 with the outcome, and records nothing", async () => {
      await store.closeRequest(seeded.requestId, "rejected", BEFORE_DEADLINE);
      const response = await page(post(askOf(first), "decision=approve"));
      assert.equal(response.statusCode, 409);
      assert.ok(text(response).includes("This request is closed: rejected. Your approval was not recorded ."));
      assert.deepEqual((await record()).votes, {});
      assert.deepEqual(callbacks.calls, []);
    });

    it("a POST after the deadline is 409 and records nothing", async () => {
      now = AFTER_DEADLINE;
      const response = await page(post(askOf(first), "decision=approve"));
      assert.equal(response.statusCode, 409);
      assert.ok(text(response).includes("The deadline for your decision has passed. Your approval was not recorded ."));
      assert.deepEqual((await record()).votes, {});
      assert.deepEqual(callbacks.calls, []);
    });

    it("accepts a base64-encoded body", async () => {
      const body = Buffer.from("decision=reject&comment=Too+risky").toString("base64");
      const response = await page(
        httpEvent({ method: "POST", id: askOf(third), body, base64: true, contentType: FORM }),
      );
      assert.equal(response.statusCode, 200);
      assert.deepEqual(
        { decision: (await record()).votes[third].decision, comment: (await record()).votes[third].comment },
        { decision: "reject", comment: "Too risky" },
      );
    });

    it("says the vote was recorded after the end when the task no longer waits", async () => {
      callbacks.script.push("closed");
      const response = await page(post(askOf(first), "decision=approve"));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("Your approval was recorded, but the request had already ended."));
    });

    it("an undelivered callback is shown as pending; sending again delivers it once", async () => {
      callbacks.script.push(new Error("throttled"));
      const first_ = await page(post(askOf(first), "decision=reject"));
      assert.equal(first_.statusCode, 200);
      assert.ok(text(first_).includes("Your rejection was recorded. The workflow will pick it up."));
      assert.match(first_.body ?? "", /<input type="hidden" name="decision" value="reject">/);
      assert.equal((await record()).votes[first].pendingSignal, "none");

      const shown = await page(get(askOf(first)));
      assert.ok(text(shown).includes("The workflow has not acknowledged it yet."));
      assert.equal(callbacks.calls.length, 1, "GET retries nothing");

      const again = await page(post(askOf(first), "decision=reject"));
      assert.equal(again.statusCode, 409);
      assert.ok(!text(again).includes("The workflow has not acknowledged it yet."));
      assert.equal(callbacks.calls.length, 2);
      assert.equal((await record()).votes[first].pendingSignal, undefined);
      assert.equal((await record()).rejections, 1);
    });
  });

  describe("errors", () => {
    it("an unknown id and a malformed id get the identical 404 page, for GET and POST", async () => {
      const unknown = freshId();
      const responses = await Promise.all([
        page(get(unknown)),
        page(get("not-an-id")),
        page(post(unknown, "decision=approve")),
        page(post("not-an-id", "decision=approve")),
      ]);
      for (const response of responses) {
        assert.equal(response.statusCode, 404);
        assert.deepEqual(response, responses[0]);
      }
      assert.ok(text(responses[0]).includes("This approval link is not valid."));
    });

    it("an iam approver's SSM correlation id is no approval link: the same 404 for GET and POST, nothing recorded", async () => {
      // Correlation ids are readable by anyone with ssm:GetAutomationExecution; they must not open the page.
      const correlationId = freshId();
      const stored = await store.putAsk({
        askId: correlationId,
        requestId: seeded.requestId,
        approver: third,
        address: "arn:aws:iam::123456789012:role/SecurityApprover",
        channel: "iam",
        taskToken: "token-of-the-iam-approver",
        deadline: seeded.deadline,
        createdAt: BEFORE_DEADLINE.toISOString(),
      });
      assert.equal(stored, "referenced");
      const notFound = await page(get(freshId()));
      assert.deepEqual(await page(get(correlationId)), notFound);
      assert.deepEqual(await page(post(correlationId, "decision=approve")), { ...notFound });
      assert.deepEqual((await record()).votes, {});
      assert.deepEqual(callbacks.calls, []);
    });

    it("any other path is the same 404 page", async () => {
      const other = await page(httpEvent({ method: "GET", path: "/favicon.ico" }));
      assert.deepEqual(other, await page(get(freshId())));
    });

    for (const [name, body] of [
      ["a missing decision", "comment=hello"],
      ["another decision value", "decision=maybe"],
      ["a comment over 1000 characters", `decision=approve&comment=${"x".repeat(1001)}`],
    ] as const) {
      it(`${name}: 400 and nothing recorded`, async () => {
        const response = await page(post(askOf(first), body));
        assert.equal(response.statusCode, 400);
        assert.ok(text(response).includes("Nothing was recorded."));
        assert.deepEqual((await record()).votes, {});
      });
    }

    it("a wrong content type: 415 and nothing recorded", async () => {
      const response = await page(post(askOf(first), JSON.stringify({ decision: "approve" }), "application/json"));
      assert.equal(response.statusCode, 415);
      assert.deepEqual((await record()).votes, {});
    });

    it("PUT: 405 with Allow: GET, HEAD, POST", async () => {
      const response = await page(
        httpEvent({ method: "PUT", id: askOf(first), body: "decision=approve", contentType: FORM }),
      );
      assert.equal(response.statusCode, 405);
      assert.equal(response.headers?.Allow, "GET, HEAD, POST");
      assert.deepEqual((await record()).votes, {});
    });

    it("a 17 KB body: 413 and nothing recorded", async () => {
      const response = await page(post(askOf(first), `decision=approve&comment=${"x".repeat(17 * 1024)}`));
      assert.equal(response.statusCode, 413);
      assert.deepEqual((await record()).votes, {});
    });

    it("a failing store: 500 page without details, logged without the id", async () => {
      const id = askOf(first);
      const broken: RequestStore = {
        ...store,
        getAsk: async () => {
          throw new Error(`ValidationException on ask#${id}`);
        },
      };
      const failing = createHandler({ store: broken, callbacks, now: () => now, log: logger });
      const response = await failing(get(id));
      assert.equal(response.statusCode, 500);
      assert.ok(text(response).includes("The approval page could not answer just now."));
      assert.ok(!(response.body ?? "").includes("ValidationException"));
      assert.equal(logger.lines.length, 1);
      const line = JSON.parse(logger.lines[0]);
      assert.equal(line.level, "error");
      assert.equal(line.status, 500);
      assert.equal(line.error.name, "Error");
      assert.ok(!logger.lines[0].includes(id), "the id is cut out of the error message");
    });

    it("every page carries the security headers", async () => {
      const responses = await Promise.all([
        page(get(askOf(first))),
        page(get("bad")),
        page(httpEvent({ method: "PUT", id: askOf(first) })),
      ]);
      for (const response of responses) {
        assert.match(String(response.headers?.["Content-Security-Policy"]), /default-src 'none'/);
        assert.equal(response.headers?.["Referrer-Policy"], "no-referrer");
        assert.equal(response.headers?.["Cache-Control"], "no-store");
      }
    });
  });

  describe("logging", () => {
    it("writes one JSON line per request with method, outcome, approver, requestId and status, never the id or a token", async () => {
      await page(get(askOf(first)));
      await page(post(askOf(first), "decision=approve"));
      await page(post(askOf(first), "decision=approve"));
      await page(get(freshId()));
      assert.equal(logger.lines.length, 4);
      const lines = logger.lines.map((line) => JSON.parse(line));
      assert.deepEqual(
        lines.map(({ method, outcome, approver, requestId, status }) => ({
          method,
          outcome,
          approver,
          requestId,
          status,
        })),
        [
          { method: "GET", outcome: "form", approver: first, requestId: seeded.requestId, status: 200 },
          { method: "POST", outcome: "recorded", approver: first, requestId: seeded.requestId, status: 200 },
          { method: "POST", outcome: "duplicate", approver: first, requestId: seeded.requestId, status: 409 },
          { method: "GET", outcome: "notFound", approver: undefined, requestId: undefined, status: 404 },
        ],
      );
      for (const line of logger.lines) {
        assert.ok(!line.includes(askOf(first)), "no ask id");
        assert.ok(!line.includes(seeded.tokens[first]), "no task token");
      }
    });
  });

  describe("the deployed handler", () => {
    it("reads the table from the environment (TABLE_NAME, AWS_ENDPOINT_URL_DYNAMODB) and shows the page", async () => {
      const response = await defaultHandler(get(askOf(first)));
      assert.equal(response.statusCode, 200);
      assert.match(response.body ?? "", /<h1>Deploy release 42<\/h1>/);
    });
  });
});
