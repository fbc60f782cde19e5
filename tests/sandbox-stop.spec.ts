/**
 * How the sandbox reports and stops: its events come out in the order a reader needs whatever
 * order the parts notice things in (local/round-tracker.ts), and stopping answers every request
 * in flight with a page before anything else stops (local/page-server.ts, local/sandbox.ts).
 */
import assert from "node:assert/strict";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { parseStackConfig } from "../channels/registry";
import type { RequestRecord, Vote } from "../core/model";
import { startPageServer } from "../local/page-server";
import { RoundTracker } from "../local/round-tracker";
import { startSandbox, type SandboxEvent } from "../local/sandbox";

const twoStages = parseStackConfig({
  stages: [
    { name: "pre-review", approvers: [{ name: "lead", email: "lead@example.com" }] },
    { name: "owners", approvers: [{ name: "finance", email: "finance@example.com" }] },
  ],
});

const approval = (decidedBy: string): Vote => ({
  decision: "approve",
  decidedAt: "2030-01-01T10:00:00.000Z",
  decidedBy,
  channel: "link",
});

/** A record with lead's approval in stage 1 (what the store holds once stage 1 is approved). */
const afterLeadApproved = {
  status: "open",
  stages: [
    {
      name: "pre-review",
      quorum: 1,
      approvers: ["lead"],
      advisors: [],
      approvals: 1,
      rejections: 0,
      misses: 0,
      declined: 0,
      votes: { lead: approval("lead@example.com") },
      asks: {},
    },
    {
      name: "owners",
      quorum: 1,
      approvers: ["finance"],
      advisors: [],
      approvals: 0,
      rejections: 0,
      misses: 0,
      declined: 0,
      votes: {},
      asks: {},
    },
  ],
} as unknown as RequestRecord;

const asked = (stage: number, approver: string) => ({
  stage,
  approver,
  channel: "link",
  address: `${approver}@example.com`,
  recipient: `${approver}@example.com`,
  link: `http://127.0.0.1:1/r/${approver}`,
});

const story = (events: SandboxEvent[]) =>
  events.map((e) => ("stage" in e ? `${e.type}:${e.stage}${e.type === "stageEnded" ? `:${e.outcome}` : ""}` : e.type));

/** A POST whose headers and first bytes are sent; `finish()` sends the rest and resolves with the answer. */
function partialPost(url: string, body: string) {
  const post = httpRequest(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) },
  });
  const answered = new Promise<{ response: IncomingMessage; text: string }>((resolve, reject) => {
    post.on("error", reject).on("response", async (response) => {
      let text = "";
      for await (const chunk of response) text += String(chunk);
      resolve({ response, text });
    });
  });
  post.write(body.slice(0, 5));
  return {
    answered,
    finish: () => {
      post.end(body.slice(5));
      return answered;
    },
  };
}

describe("sandbox reports: one order for every event", () => {
  it("reports a stage's decisions before its end, and its end before the next stage opens, even when the store answers late", async () => {
    const events: SandboxEvent[] = [];
    let answer!: (record: RequestRecord) => void;
    const late = new Promise<RequestRecord>((resolve) => (answer = resolve));
    const tracker = new RoundTracker(
      twoStages,
      (e) => events.push(e),
      () => late,
    );
    void tracker.stageOpened(0);
    void tracker.markAsked(asked(0, "lead"));
    void tracker.stageEnded(0); // reads the record: its answer is late
    void tracker.stageOpened(1); // noticed at once, reported after stage 1's end
    void tracker.markAsked(asked(1, "finance"));
    answer(afterLeadApproved);
    await tracker.end();
    assert.deepEqual(story(events), [
      "stageOpened:0",
      "asked:0",
      "stageAsked:0",
      "decision:0",
      "stageEnded:0:approved",
      "stageOpened:1",
      "asked:1",
      "stageAsked:1",
    ]);
    assert.deepEqual(
      tracker.decisions.map((d) => [d.stage, d.stageName, d.approver]),
      [[0, "pre-review", "lead"]],
    );
  });

  it("keeps reporting when the store can no longer be read (the sandbox is stopping), and a stage never reached is asked of nobody", async () => {
    const events: SandboxEvent[] = [];
    const tracker = new RoundTracker(
      twoStages,
      (e) => events.push(e),
      () => Promise.reject(new Error("Database is closed")),
    );
    void tracker.stageOpened(0);
    await tracker.refreshDecisions();
    await tracker.stageEnded(0);
    const stage2 = tracker.whenStageAsked(1);
    await tracker.end();
    assert.deepEqual(await stage2, []);
    assert.deepEqual(story(events), ["stageOpened:0", "stageEnded:0:undefined"]);
    await tracker.refreshDecisions();
    assert.equal(events.length, 2, "nothing is reported after the end");
    await assert.rejects(tracker.whenStageAsked(2), RangeError);
  });
});

describe("stopping the sandbox", function () {
  this.timeout(60_000);

  it("answers a decision in flight, refuses new requests with the stopping page (security headers), then stops everything", async () => {
    const settings = parseStackConfig({
      approvers: [
        { name: "finance", email: "finance@example.com" },
        { name: "security", email: "security@example.com" },
      ],
    });
    const sandbox = await startSandbox({ settings, request: { subject: "Stop test" } });
    const [finance] = await sandbox.stageAsked(0);
    const post = partialPost(finance.link, "decision=approve&comment=just+in+time");
    // Answered after the POST's headers were read: the POST is in flight.
    assert.equal((await fetch(finance.link)).status, 200);

    const stopped = sandbox.stop();
    const refused = await fetch(finance.link);
    assert.equal(refused.status, 503);
    assert.match(refused.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal(refused.headers.get("x-frame-options"), "DENY");
    assert.equal(refused.headers.get("connection"), "close");
    assert.match(await refused.text(), /The sandbox is stopping/);

    const { response, text } = await post.finish();
    assert.equal(response.statusCode, 200);
    assert.match(text, /Your approval was recorded, waiting for the others\./);
    await stopped;

    assert.deepEqual(
      sandbox.decisions.map((d) => [d.approver, d.vote.comment]),
      [["finance", "just in time"]],
      "the decision in flight was recorded and reported",
    );
    assert.equal((await sandbox.result).status, "ABORTED");
    await assert.rejects(fetch(finance.link), "nothing is served any more");
    await sandbox.stop(); // a second stop is harmless
  });

  it("answers a request that is still arriving when the grace ends with a page saying it was cut short", async () => {
    const server = await startPageServer(0);
    let reached!: () => void;
    const handling = new Promise<void>((resolve) => (reached = resolve));
    server.serve(
      (req) =>
        new Promise<void>(() => {
          reached();
          req.resume(); // reads the body, which never ends
        }),
    );
    const post = partialPost(`${server.pageUrl}r/x`, "decision=approve");
    await handling;
    await server.stop(50);
    const { response, text } = await post.answered;
    assert.equal(response.statusCode, 503);
    assert.match(String(response.headers["content-security-policy"]), /default-src 'none'/);
    assert.match(text, /The sandbox stopped/);
    assert.match(text, /may or may not have been recorded/);
  });
});
