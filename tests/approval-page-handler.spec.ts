/**
 * The approval page handler against dynalite: GET and HEAD decide nothing, POST records through
 * the recorder and answers with a page saying what really happened (including the race in which
 * a needed vote's own callback meets a stage another vote just ended), every refusal with its
 * status, hostile text refused or neutralised, and one safe JSON log line per request.
 */
import assert from "node:assert/strict";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { freshId } from "../core/ids";
import { formatLogLine, type Logger, type LogLevel } from "../core/log";
import type { RequestRecord } from "../core/model";
import type { RequestStore, TaskCallbacks } from "../core/ports";
import { countingOf } from "../core/recorder";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { localDocumentClient, useLocalRequestStore, type LocalTable } from "../devkit/dynalite";
import { createHandler, handler as deployedHandler } from "../lambdas/approval-page/index";
import {
  FORM,
  decisionForm,
  getPage as get,
  headPage as head,
  httpEvent,
  postPage as post,
} from "./helpers/page-events";
import { pageText } from "./helpers/page-text";
import {
  approverNames,
  askStage,
  fakeCallbacks,
  parallelStageCallbacks,
  seedRequest,
  seedStagedRequest,
  HOUR_MS,
  T0,
  type FakeCallbacks,
  type SeededRequest,
} from "./helpers/request-fixtures";

const BEFORE_DEADLINE = new Date(T0.getTime() + 10 * 60_000);
const AFTER_DEADLINE = new Date(T0.getTime() + HOUR_MS + 60_000);

const text = (response: APIGatewayProxyStructuredResultV2) => pageText(response.body);

/** A logger that keeps the exact JSON lines the real one would write. */
function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push(formatLogLine(level, message, fields));
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

describe("approval page handler (dynalite)", () => {
  let store: RequestStore;
  let callbacks: FakeCallbacks;
  let logger: ReturnType<typeof captureLogger>;
  let now: Date;
  let seeded: SeededRequest;
  let page: ReturnType<typeof createHandler>;
  let table: LocalTable;
  useLocalRequestStore((local) => ((store = local.store), (table = local.table)));

  const [first, second, third] = approverNames(3);
  const askOf = (approver: string) => seeded.askIds[approver];
  const record = async (requestId = seeded.requestId): Promise<RequestRecord> => {
    const found = await store.getRequest(requestId);
    assert.ok(found, "request record exists");
    return found;
  };
  const pageWith = (taskCallbacks: TaskCallbacks, pageStore = store) =>
    createHandler({ store: pageStore, callbacks: taskCallbacks, now: () => now, log: logger });

  beforeEach(async () => {
    seeded = await seedRequest(store, [first, second, third], 2);
    callbacks = fakeCallbacks();
    logger = captureLogger();
    now = BEFORE_DEADLINE;
    page = pageWith(callbacks);
  });

  describe("GET and HEAD", () => {
    it("GET shows the request and the form, and decides nothing", async () => {
      const before = await record();
      const response = await page(get(askOf(first)));
      assert.equal(response.statusCode, 200);
      assert.match(response.body ?? "", /<h1>Deploy release 42<\/h1>/);
      assert.ok(text(response).includes("Approver approver-1 (approver-1@example.com)"));
      assert.ok(text(response).includes("2 of 3 approvals needed; so far 0 approved"));
      assert.ok(text(response).includes("Waiting for: approver-2, approver-3"));
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
      assert.deepEqual((await record()).stages[0].votes, {});
    });

    it("GET after deciding shows the earlier decision, 200, without a form", async () => {
      await page(post(askOf(first), decisionForm("reject", "Not this week")));
      const response = await page(get(askOf(first)));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("You already decided on this request. Your decision: Rejected"));
      assert.ok(text(response).includes("Not this week"));
      assert.ok(!/<form/.test(response.body ?? ""));
    });

    it("GET shows the other approvers' decisions in this stage, with time and comment", async () => {
      await page(post(askOf(second), decisionForm("reject", "Needs a rollback plan")));
      const t = text(await page(get(askOf(first))));
      assert.ok(t.includes("Decisions so far"), t);
      assert.ok(t.includes("approver-2 : Rejected , Tuesday 1 January 2030 at 00:10 UTC"), t);
      assert.ok(t.includes("Needs a rollback plan"));
      assert.ok(t.includes("Waiting for: approver-3"));
    });

    it("GET after close shows the outcome, and this approver's own decision when they made one", async () => {
      await page(post(askOf(first), decisionForm("approve", "Fine")));
      await page(post(askOf(second), decisionForm("approve")));
      await store.closeRequest(seeded.requestId, {
        outcome: "approved",
        reason: "completed",
        closedAt: BEFORE_DEADLINE,
      });
      const mine = text(await page(get(askOf(first))));
      assert.ok(mine.includes("This request is closed: approved."), mine);
      assert.ok(mine.includes("Your decision: Approved"), mine);
      assert.ok(mine.includes("Fine") && mine.includes("State Closed: approved"), mine);
      const theirs = await page(get(askOf(third)));
      assert.equal(theirs.statusCode, 200);
      assert.ok(text(theirs).includes("This request is closed: approved."));
      assert.ok(text(theirs).includes("You did not decide on it."));
    });

    it("GET when this approver's part ended without a verdict says so, and offers no form", async () => {
      const target = { requestId: seeded.requestId, stage: 0, approver: first };
      await store.applyVote(
        target,
        { decision: "expired", decidedAt: BEFORE_DEADLINE.toISOString(), decidedBy: "deadline", channel: "deadline" },
        countingOf(await record(), target),
      );
      const response = await page(get(askOf(first)));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("Your part in this stage has ended."), text(response));
      assert.ok(text(response).includes("No decision (the deadline passed)"));
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

  describe("stages", () => {
    it("a later stage's page says which stage it is and lists only that stage's decisions", async () => {
      const staged = await seedStagedRequest(store, [
        { name: "pre-review", approvers: ["risk"] },
        { name: "owners", approvers: ["finance", "security"] },
      ]);
      await page(post(staged.askIds.risk, decisionForm("approve", "low risk")));
      const owners = await askStage(store, staged.requestId, 1, ["finance", "security"]);
      await page(post(owners.askIds.finance, decisionForm("approve", "budget ok")));
      const t = text(await page(get(owners.askIds.security)));
      assert.ok(t.includes("Approval request · stage 2 of 2: owners"), t);
      assert.ok(t.includes("Decisions in this stage"));
      assert.ok(t.includes("finance : Approved") && t.includes("budget ok"));
      assert.ok(!t.includes("low risk") && !t.includes("risk : Approved"), "stage 1's decisions are not this stage's");
      assert.ok(t.includes("all 2 approvers must approve; so far 1 approved"), t);
    });

    it("the vote that approves a stage that is not the last says the request moves on", async () => {
      const staged = await seedStagedRequest(store, [
        { name: "pre-review", approvers: ["risk"] },
        { name: "owners", approvers: ["finance"] },
      ]);
      const t = text(await page(post(staged.askIds.risk, decisionForm("approve"))));
      assert.ok(
        t.includes(
          "Recorded. This completed the quorum: the stage is approved and the request moves on to stage 2 of 2.",
        ),
        t,
      );
    });
  });

  describe("POST", () => {
    it("approve: 200, the vote recorded as the email the link was sent to, via the link channel", async () => {
      const response = await page(post(askOf(first), decisionForm("approve", "Ship it")));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("Your approval was recorded, waiting for the others."));
      const after = await record();
      assert.equal(after.stages[0].approvals, 1);
      assert.deepEqual(after.stages[0].votes[first], {
        decision: "approve",
        comment: "Ship it",
        decidedAt: BEFORE_DEADLINE.toISOString(),
        decidedBy: "approver-1@example.com",
        channel: "link",
      });
      assert.deepEqual(
        callbacks.calls.map((c) => [c.taskToken, c.signal]),
        [[seeded.tokens[first], "none"]],
      );
    });

    it("the vote that reaches the quorum says it completed the quorum", async () => {
      await page(post(askOf(first), decisionForm("approve")));
      const response = await page(post(askOf(second), decisionForm("approve")));
      assert.equal(response.statusCode, 200);
      assert.ok(
        text(response).includes("This completed the quorum: the stage is approved and the request is approved."),
      );
      assert.equal(callbacks.calls[1].signal, "quorumReached");
    });

    it("the vote that makes approval impossible says so", async () => {
      await page(post(askOf(first), decisionForm("reject")));
      const response = await page(post(askOf(second), decisionForm("reject")));
      assert.equal(response.statusCode, 200);
      assert.ok(text(response).includes("This made approval impossible: the request is rejected."));
    });

    it("a second POST is 409, says what was already decided, and records nothing twice", async () => {
      await page(post(askOf(first), decisionForm("approve", "First")));
      const response = await page(post(askOf(first), decisionForm("reject", "Second")));
      assert.equal(response.statusCode, 409);
      const t = text(response);
      assert.ok(
        t.includes("You already decided on this request. Your rejection was not recorded . Your decision: Approved"),
        t,
      );
      assert.ok(t.includes("First") && !t.includes("Second"));
      const after = await record();
      assert.deepEqual([after.stages[0].approvals, after.stages[0].rejections], [1, 0]);
      assert.equal(after.stages[0].votes[first].comment, "First");
      assert.equal(callbacks.calls.length, 1, "one callback only");
    });

    it("a POST once the others have settled the stage is 409, says the stage ended, and records nothing", async () => {
      await page(post(askOf(first), decisionForm("approve")));
      await page(post(askOf(second), decisionForm("approve")));
      const response = await page(post(askOf(third), decisionForm("reject")));
      assert.equal(response.statusCode, 409);
      const t = text(response);
      assert.ok(t.includes("This stage has ended: approved. Your rejection was not recorded"), t);
      assert.ok(t.includes("The other approvers' decisions settled it before yours; the request is approved."), t);
      assert.equal((await record()).stages[0].votes[third], undefined);
    });

    it("a POST after the request closed is 409 with the outcome, and records nothing", async () => {
      await store.closeRequest(seeded.requestId, {
        outcome: "rejected",
        endedInStage: 0,
        reason: "completed",
        closedAt: BEFORE_DEADLINE,
      });
      const response = await page(post(askOf(first), decisionForm("approve")));
      assert.equal(response.statusCode, 409);
      assert.ok(text(response).includes("This request is closed: rejected. Your approval was not recorded ."));
      assert.deepEqual((await record()).stages[0].votes, {});
      assert.deepEqual(callbacks.calls, []);
    });

    it("a POST after the deadline is 409 and records nothing", async () => {
      now = AFTER_DEADLINE;
      const response = await page(post(askOf(first), decisionForm("approve")));
      assert.equal(response.statusCode, 409);
      assert.ok(text(response).includes("The deadline for your decision has passed. Your approval was not recorded ."));
      assert.deepEqual((await record()).stages[0].votes, {});
      assert.deepEqual(callbacks.calls, []);
    });

    it("accepts a base64-encoded body", async () => {
      const body = Buffer.from("decision=reject&comment=Too+risky").toString("base64");
      const response = await page(
        httpEvent({ method: "POST", id: askOf(third), body, base64: true, contentType: FORM }),
      );
      assert.equal(response.statusCode, 200);
      const vote = (await record()).stages[0].votes[third];
      assert.deepEqual([vote.decision, vote.comment], ["reject", "Too risky"]);
    });

    it("an undelivered callback is shown as pending; sending again delivers it once", async () => {
      callbacks.script.push(new Error("throttled"));
      const firstTry = await page(post(askOf(first), decisionForm("reject")));
      assert.equal(firstTry.statusCode, 200);
      assert.ok(text(firstTry).includes("Your rejection was recorded. The workflow will pick it up."));
      assert.match(firstTry.body ?? "", /<input type="hidden" name="decision" value="reject">/);
      assert.equal((await record()).stages[0].votes[first].pendingSignal, "none");

      const shown = await page(get(askOf(first)));
      assert.ok(text(shown).includes("The workflow has not acknowledged it yet."));
      assert.equal(callbacks.calls.length, 1, "GET retries nothing");

      const again = await page(post(askOf(first), decisionForm("reject")));
      assert.equal(again.statusCode, 409);
      assert.ok(!text(again).includes("The workflow has not acknowledged it yet."));
      assert.equal(callbacks.calls.length, 2);
      assert.equal((await record()).stages[0].votes[first].pendingSignal, undefined);
      assert.equal((await record()).stages[0].rejections, 1);
    });
  });

  describe("what a recorded vote whose own callback met an ended task is told", () => {
    it("quorum 5, all approving at once: every needed vote is told it was recorded and counted and what the stage became", async () => {
      const five = await seedRequest(store, approverNames(5), 5);
      const stage = parallelStageCallbacks({ holdBranchResults: true });
      const racing = pageWith(stage.callbacks);
      const responses = await Promise.all(
        approverNames(5).map((a) => racing(post(five.askIds[a], decisionForm("approve")))),
      );
      assert.deepEqual(
        responses.map((r) => r.statusCode),
        Array(5).fill(200),
      );
      const texts = responses.map(text);
      const completed = texts.filter((t) => t.includes("This completed the quorum"));
      const counted = texts.filter((t) =>
        t.includes("Your approval was recorded and counted. The stage was decided with it: approved."),
      );
      assert.equal(completed.length, 1, "the vote whose callback ended the stage");
      assert.equal(counted.length, 4, "the votes whose callbacks met the ended stage");
      for (const t of texts) {
        assert.ok(!/did not change|already ended|not recorded/.test(t), t);
      }
      assert.equal((await record(five.requestId)).stages[0].approvals, 5);
    });

    it("a recorded vote whose callback met a workflow that was stopped says it did not change that", async () => {
      callbacks.script.push("closed");
      const stopping: RequestStore = {
        ...store,
        applyVote: async (target, vote, counting) => {
          const applied = await store.applyVote(target, vote, counting);
          await store.closeRequest(target.requestId, { reason: "aborted", closedAt: BEFORE_DEADLINE });
          return applied;
        },
      };
      const t = text(await pageWith(callbacks, stopping)(post(askOf(first), decisionForm("approve"))));
      assert.ok(t.includes("Your approval was recorded, but the workflow had stopped."), t);
      assert.ok(t.includes("The request was closed without an outcome; your decision did not change that."), t);
    });
  });

  describe("hostile text", () => {
    for (const [label, char] of [
      ["ESC", "\u001b"],
      ["BEL", "\u0007"],
      ["DEL", "\u007f"],
      ["U+0085", "\u0085"],
      ["U+009B", "\u009b"],
    ] as const) {
      it(`a comment with ${label} is refused with 400 naming it, and nothing is recorded`, async () => {
        const response = await page(post(askOf(first), decisionForm("approve", `ok${char}[2K`)));
        assert.equal(response.statusCode, 400);
        const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
        assert.ok(
          text(response).includes(`The comment contains a control character (U+${code}) at position 3.`),
          text(response),
        );
        assert.ok(text(response).includes("Nothing was recorded."));
        assert.deepEqual((await record()).stages[0].votes, {});
      });
    }

    it("a comment with a bidi override is recorded, and shown neutralised on the other approvers' pages", async () => {
      await page(post(askOf(second), decisionForm("reject", "I \u202eevorppa\u202c this")));
      assert.equal((await record()).stages[0].votes[second].comment, "I \u202eevorppa\u202c this");
      const body = (await page(get(askOf(first)))).body ?? "";
      assert.ok(!/[\u202a-\u202e\u2066-\u2069]/.test(body), "no raw bidi control on the page");
      assert.ok(body.includes('I <span class="ctl">[U+202E]</span>evorppa<span class="ctl">[U+202C]</span> this'));
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
      const iam = await seedStagedRequest(store, [{ name: "owners", approvers: ["sec"] }]);
      const correlation = await askStage(store, iam.requestId, 0, ["sec"], { channel: "iam" });
      const notFound = await page(get(freshId()));
      assert.deepEqual(await page(get(correlation.askIds.sec)), notFound);
      assert.deepEqual(await page(post(correlation.askIds.sec, "decision=approve")), notFound);
      assert.deepEqual((await record(iam.requestId)).stages[0].votes, {});
      assert.deepEqual(callbacks.calls, []);
    });

    it("a request opened by version 0.1 (no stages) gets the 410 page and nothing is written", async () => {
      const client = localDocumentClient(table);
      const askId = freshId();
      const legacyRequest = {
        pk: "request#legacy-1",
        requestId: "legacy-1",
        status: "open",
        approvers: [first],
        votes: {},
      };
      const legacyAsk = { pk: `ask#${askId}`, askId, requestId: "legacy-1", approver: first, channel: "link" };
      try {
        for (const Item of [legacyRequest, legacyAsk])
          await client.send(new PutCommand({ TableName: table.tableName, Item }));
        for (const event of [get(askId), post(askId, decisionForm("approve"))]) {
          const response = await page(event);
          assert.equal(response.statusCode, 410);
          assert.ok(text(response).includes("It was opened by an earlier version of the approval workflow."));
        }
        const stored = await client.send(
          new GetCommand({ TableName: table.tableName, Key: { pk: "request#legacy-1" } }),
        );
        assert.deepEqual(stored.Item, legacyRequest);
      } finally {
        client.destroy();
      }
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
        assert.deepEqual((await record()).stages[0].votes, {});
      });
    }

    it("a wrong content type: 415 and nothing recorded", async () => {
      const response = await page(post(askOf(first), JSON.stringify({ decision: "approve" }), "application/json"));
      assert.equal(response.statusCode, 415);
      assert.deepEqual((await record()).stages[0].votes, {});
    });

    it("PUT: 405 with Allow: GET, HEAD, POST", async () => {
      const response = await page(
        httpEvent({ method: "PUT", id: askOf(first), body: "decision=approve", contentType: FORM }),
      );
      assert.equal(response.statusCode, 405);
      assert.equal(response.headers?.Allow, "GET, HEAD, POST");
      assert.deepEqual((await record()).stages[0].votes, {});
    });

    it("a 17 KB body: 413 and nothing recorded", async () => {
      const response = await page(post(askOf(first), `decision=approve&comment=${"x".repeat(17 * 1024)}`));
      assert.equal(response.statusCode, 413);
      assert.deepEqual((await record()).stages[0].votes, {});
    });

    it("a failing store: 500 page without details, logged as an error without the id", async () => {
      const id = askOf(first);
      const broken: RequestStore = {
        ...store,
        getAsk: async () => {
          throw new Error(`ValidationException on ask#${id}`);
        },
      };
      const response = await pageWith(callbacks, broken)(get(id));
      assert.equal(response.statusCode, 500);
      assert.ok(text(response).includes("The approval page could not answer just now."));
      assert.ok(!(response.body ?? "").includes("ValidationException"));
      assert.equal(logger.lines.length, 1);
      const line = JSON.parse(logger.lines[0]);
      assert.equal(line.level, "ERROR");
      assert.equal(line.status, 500);
      assert.equal(line.error.name, "Error");
      assert.ok(!logger.lines[0].includes(id), "the id is cut out of the error message");
    });

    it("every page carries the security headers", async () => {
      const responses = await Promise.all([
        page(get(askOf(first))),
        page(get("bad")),
        page(httpEvent({ method: "PUT", id: askOf(first) })),
        page(post(askOf(first), "decision=maybe")),
      ]);
      for (const response of responses) {
        assert.match(String(response.headers?.["Content-Security-Policy"]), /default-src 'none'/);
        assert.equal(response.headers?.["Referrer-Policy"], "no-referrer");
        assert.equal(response.headers?.["Cache-Control"], "no-store");
      }
    });
  });

  describe("logging", () => {
    it("writes one JSON line per request (uppercase level, timestamp, method, outcome, approver, requestId, status), never the id or a token", async () => {
      await page(get(askOf(first)));
      await page(post(askOf(first), decisionForm("approve")));
      await page(post(askOf(first), decisionForm("approve")));
      await page(get(freshId()));
      assert.equal(logger.lines.length, 4);
      const lines = logger.lines.map((line) => JSON.parse(line));
      assert.deepEqual(
        lines.map(({ level, method, outcome, approver, requestId, status }) => ({
          level,
          method,
          outcome,
          approver,
          requestId,
          status,
        })),
        [
          { level: "INFO", method: "GET", outcome: "form", approver: first, requestId: seeded.requestId, status: 200 },
          {
            level: "INFO",
            method: "POST",
            outcome: "recorded",
            approver: first,
            requestId: seeded.requestId,
            status: 200,
          },
          {
            level: "INFO",
            method: "POST",
            outcome: "refused",
            approver: first,
            requestId: seeded.requestId,
            status: 409,
          },
          { level: "INFO", method: "GET", outcome: "notFound", approver: undefined, requestId: undefined, status: 404 },
        ],
      );
      assert.ok(lines.every((line) => !Number.isNaN(Date.parse(line.timestamp))));
      for (const line of logger.lines) {
        assert.ok(!line.includes(askOf(first)), "no ask id");
        assert.ok(!line.includes(seeded.tokens[first]), "no task token");
      }
    });
  });

  describe("the deployed handler", () => {
    it("reads the table from the environment (TABLE_NAME, AWS_ENDPOINT_URL_DYNAMODB) and shows the page", async () => {
      const response = await deployedHandler(get(askOf(first)));
      assert.equal(response.statusCode, 200);
      assert.match(response.body ?? "", /<h1>Deploy release 42<\/h1>/);
    });
  });
});
