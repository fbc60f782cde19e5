/**
 * The request lifecycle Lambdas, run as deployed (their exported `handler`, SDK clients from the
 * environment) against dynalite and an SNS stand-in: open, notify, record expiry, close.
 */
import { strict as assert } from "node:assert";
import { ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { handler as openRequest } from "../lambdas/open-request/index";
import { handler as notifyApprover } from "../lambdas/notify-approver/index";
import { handler as recordExpiryHandler } from "../lambdas/record-expiry/index";
import { handler as closeRequest } from "../lambdas/close-request/index";
import { isWellFormedId } from "../lambdas/shared/ids";
import type {
  AskApproverEvent,
  AskRecord,
  OpenRequestEvent,
  OpenRequestResult,
  RequestRecord,
} from "../lambdas/shared/model";
import { recordDecision } from "../lambdas/shared/recorder";
import { requestStoreFromEnv, type RequestStore } from "../lambdas/shared/store";
import { localDocumentClient, startDynalite, type LocalTable } from "./helpers/dynalite";
import { setEnv } from "./helpers/loopback";
import { fakeCallbacks } from "./helpers/request-fixtures";
import { startSnsStub, type SnsStub } from "./helpers/sns-stub";

const DAY_S = 86_400;
const PAGE_BASE = "https://pages.example.com/prod"; // no trailing slash: the handler adds it
const topicArn = (name: string) => `arn:aws:sns:eu-west-1:123456789012:approval-${name}`;

function openEvent(input: unknown, approvers: string[], quorum: number): OpenRequestEvent {
  return {
    input,
    executionArn: "arn:aws:states:eu-west-1:123456789012:execution:approval:run-1",
    startedAt: "2030-01-01T00:00:00.000Z",
    approvers,
    quorum,
  };
}

describe("request lifecycle handlers (dynalite + SNS stand-in)", () => {
  let table: LocalTable;
  let sns: SnsStub;
  let scanClient: DynamoDBDocumentClient;
  let store: RequestStore;
  let restoreEnv: () => void;

  before(async () => {
    table = await startDynalite();
    sns = await startSnsStub();
    restoreEnv = setEnv({ LOG_LEVEL: "silent", APPROVAL_PAGE_URL: PAGE_BASE });
    scanClient = localDocumentClient(table);
    store = requestStoreFromEnv();
  });
  after(async () => {
    restoreEnv();
    scanClient.destroy();
    await sns.stop();
    await table.stop();
  });
  beforeEach(() => (sns.published.length = 0));

  async function allItems(): Promise<Array<Record<string, unknown>>> {
    return (await scanClient.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }))).Items ?? [];
  }

  async function askItemsOf(requestId: string): Promise<AskRecord[]> {
    return (await allItems()).filter(
      (item) => String(item.pk).startsWith("ask#") && item.requestId === requestId,
    ) as unknown as AskRecord[];
  }

  async function openWith(approvers: string[], quorum: number): Promise<OpenRequestResult> {
    return openRequest(
      openEvent({ subject: "Deploy release 42", details: "Rolls out the new billing engine." }, approvers, quorum),
    );
  }

  function askEvent(opened: OpenRequestResult, approver: string, timeoutSeconds = 3600): AskApproverEvent {
    return {
      taskToken: `AQCEAAAAKgAAAAMAAAAA-token-of-${approver}-${opened.requestId}`,
      requestId: opened.requestId,
      request: opened.request,
      approver: { name: approver, address: `${approver}@example.com`, topicArn: topicArn(approver) },
      timeoutSeconds,
    };
  }

  /** Notifies the approver and returns the ask id read back from the published link. */
  async function notify(opened: OpenRequestResult, approver: string): Promise<string> {
    const before = sns.published.length;
    await notifyApprover(askEvent(opened, approver));
    const message = sns.published[before]?.message ?? "";
    const askId = message.match(/\/r\/([A-Za-z0-9_-]+)/)?.[1];
    assert.ok(askId, "the message links to the approval page");
    return askId;
  }

  describe("open-request", () => {
    it("writes an open record with zero counts and returns a fresh id and the summary", async () => {
      const result = await openRequest(
        openEvent({ subject: "Deploy release 42", requestedBy: "ci@example.com" }, ["finance", "security"], 2),
      );
      assert.ok(isWellFormedId(result.requestId));
      assert.deepEqual(result.request, {
        id: result.requestId,
        subject: "Deploy release 42",
        requestedBy: "ci@example.com",
        approvers: ["finance", "security"],
        quorum: 2,
        openedAt: "2030-01-01T00:00:00.000Z",
      });
      const stored = await store.getRequest(result.requestId);
      assert.deepEqual(stored, {
        pk: `request#${result.requestId}`,
        requestId: result.requestId,
        status: "open",
        subject: "Deploy release 42",
        requestedBy: "ci@example.com",
        executionArn: "arn:aws:states:eu-west-1:123456789012:execution:approval:run-1",
        approvers: ["finance", "security"],
        quorum: 2,
        approvals: 0,
        rejections: 0,
        expirations: 0,
        votes: {},
        asks: {},
        openedAt: "2030-01-01T00:00:00.000Z",
      } satisfies RequestRecord);
    });

    it("rejects invalid input with Approval.InvalidInput and writes nothing", async () => {
      const before = (await allItems()).length;
      for (const input of [
        {},
        { subject: "" },
        { subject: "s", reviewUrl: "http://insecure.example.com" },
        "just a string",
      ]) {
        await assert.rejects(openRequest(openEvent(input, ["finance"], 1)), { name: "Approval.InvalidInput" });
      }
      assert.equal((await allItems()).length, before);
    });
  });

  describe("notify-approver", () => {
    it("stores the task token under a fresh ask id and publishes one message with the link and never the token", async () => {
      const opened = await openWith(["finance", "security"], 1);
      const event = askEvent(opened, "security", 7200);
      const startedAt = Date.now();
      await notifyApprover(event);
      const finishedAt = Date.now();

      assert.equal(sns.published.length, 1);
      const [published] = sns.published;
      assert.equal(published.topicArn, topicArn("security"));
      assert.equal(published.subject, "Approval requested: Deploy release 42");
      assert.ok(
        !published.message.includes(event.taskToken) && !published.subject?.includes(event.taskToken),
        "no task token in the message",
      );
      const links = published.message.match(/https:\/\/\S+/g) ?? [];
      assert.equal(links.length, 1);
      const askId = links[0].slice(`${PAGE_BASE}/r/`.length);
      assert.equal(links[0], `${PAGE_BASE}/r/${askId}`);
      assert.ok(
        isWellFormedId(askId) && Buffer.from(askId, "base64url").length * 8 >= 128,
        "ask id carries at least 128 bits",
      );
      assert.ok(!links[0].includes(event.taskToken));
      assert.ok(published.message.includes("Rolls out the new billing engine."));

      const ask = await store.getAsk(askId);
      assert.ok(ask);
      assert.equal(ask.taskToken, event.taskToken);
      assert.deepEqual(
        [ask.requestId, ask.approver, ask.address, ask.channel],
        [opened.requestId, "security", "security@example.com", "link"],
      );
      const deadline = Date.parse(ask.deadline);
      assert.ok(
        deadline >= startedAt + 7_200_000 && deadline <= finishedAt + 7_200_000,
        "deadline = now + timeoutSeconds",
      );
      assert.equal(ask.expiresAt, Math.floor(deadline / 1000) + 30 * DAY_S, "initial TTL = deadline + retention");
      assert.ok(published.message.includes(ask.deadline), "the message states the deadline");

      const request = await store.getRequest(opened.requestId);
      assert.deepEqual(request?.asks.security, { askId, channel: "link", deadline: ask.deadline });
    });

    it("does not notify for a request that is no longer open and leaves no task token behind", async () => {
      const opened = await openWith(["finance"], 1);
      await closeRequest({ requestId: opened.requestId, failed: true });
      await notifyApprover(askEvent(opened, "finance"));
      assert.equal(sns.published.length, 0);
      const asks = await askItemsOf(opened.requestId);
      assert.equal(asks.length, 1);
      assert.equal(asks[0].taskToken, undefined);
    });
  });

  describe("record-expiry", () => {
    it("records the missed deadline and returns the signal it causes", async () => {
      const opened = await openWith(["finance", "security"], 2);
      const result = await recordExpiryHandler({ requestId: opened.requestId, approver: "security" });
      assert.equal(result.signal, "expired");
      assert.deepEqual(
        { ...result.decision, decidedAt: undefined },
        { approver: "security", decision: "expired", decidedAt: undefined, decidedBy: "deadline", channel: "deadline" },
      );
      const request = await store.getRequest(opened.requestId);
      assert.equal(request?.expirations, 1);
    });
  });

  describe("close-request", () => {
    it("closes with the certain outcome, decisions in config order, scrubbed tokens; a second close returns the same output", async () => {
      const approvers = ["ops", "finance", "security"];
      const opened = await openWith(approvers, 2);
      const askIds: Record<string, string> = {};
      for (const approver of approvers) askIds[approver] = await notify(opened, approver);
      const callbacks = fakeCallbacks();
      await recordDecision(
        { store, callbacks },
        {
          askId: askIds.security,
          decision: "approve",
          comment: "looks good",
          decidedBy: "security@example.com",
          channel: "link",
        },
      );
      await recordDecision(
        { store, callbacks },
        { askId: askIds.ops, decision: "approve", decidedBy: "ops@example.com", channel: "link" },
      );
      assert.deepEqual(
        callbacks.calls.map((c) => c.signal),
        ["none", "quorumReached"],
      );

      const output = await closeRequest({ requestId: opened.requestId });
      assert.equal(output.outcome, "approved");
      assert.deepEqual(
        output.decisions.map((d) => [d.approver, d.decision, d.comment]),
        [
          ["ops", "approve", undefined],
          ["finance", "none", undefined],
          ["security", "approve", "looks good"],
        ],
      );
      assert.deepEqual(output.decisions[1], { approver: "finance", decision: "none" });
      assert.equal(output.request.id, opened.requestId);
      assert.ok(output.request.closedAt);

      const record = await store.getRequest(opened.requestId);
      assert.equal(record?.status, "closed");
      assert.equal(record?.outcome, "approved");
      assert.equal(record?.expiresAt, Math.floor(Date.parse(output.request.closedAt!) / 1000) + 30 * DAY_S);
      for (const approver of approvers) {
        const ask = await store.getAsk(askIds[approver]);
        assert.equal(ask?.taskToken, undefined, `${approver}'s token scrubbed`);
        assert.equal(ask?.expiresAt, record?.expiresAt, `${approver}'s ask expires with the record`);
      }

      const again = await closeRequest({ requestId: opened.requestId });
      assert.deepEqual(again, output);

      const late = await recordDecision(
        { store, callbacks },
        { askId: askIds.finance, decision: "reject", decidedBy: "finance@example.com", channel: "link" },
      );
      assert.equal(late.kind, "closed");
    });

    it("after a technical failure with nothing certain, closes without an outcome", async () => {
      const opened = await openWith(["finance", "security"], 2);
      const output = await closeRequest({ requestId: opened.requestId, failed: true });
      assert.ok(!("outcome" in output));
      assert.deepEqual(output.decisions, [
        { approver: "finance", decision: "none" },
        { approver: "security", decision: "none" },
      ]);
      const record = await store.getRequest(opened.requestId);
      assert.equal(record?.status, "closed");
      assert.equal(record?.outcome, undefined);
    });

    it("after a technical failure with a certain outcome, still reports it", async () => {
      const opened = await openWith(["finance", "security"], 2);
      await recordExpiryHandler({ requestId: opened.requestId, approver: "finance" });
      const output = await closeRequest({ requestId: opened.requestId, failed: true });
      assert.equal(output.outcome, "expired");
    });

    it("fails with Approval.RequestNotFound for an unknown request", async () => {
      await assert.rejects(closeRequest({ requestId: "unknown" }), { name: "Approval.RequestNotFound" });
    });
  });
});
