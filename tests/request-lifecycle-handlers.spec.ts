/**
 * The request lifecycle Lambdas, run as deployed (their exported `handler`, SDK clients from the
 * environment) against dynalite and an SNS stand-in: open (with the record's TTL from the start),
 * notify (only approvers who can receive email; a retried ask keeps its link and replaces its
 * token), record a part that ended without a verdict (throwing the signal that ends the stage),
 * and close.
 */
import { strict as assert } from "node:assert";
import { ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ListSubscriptionsByTopicCommand, type ListSubscriptionsByTopicCommandOutput } from "@aws-sdk/client-sns";
import { CHANNEL_FAILED_ERROR, CHANNEL_THROTTLED_ERROR, SIGNAL_ERRORS, UNREACHABLE_ERROR } from "../core/errors";
import { isWellFormedId, requestIdFor } from "../core/ids";
import type { AskRecord, RequestRecord } from "../core/model";
import type { RequestStore } from "../core/ports";
import type { AskEvent, OpenRequestEvent, OpenRequestResult, RecordExpiryEvent } from "../core/payloads";
import { recordDecision } from "../core/recorder";
import { localDocumentClient, useLocalRequestStore, type LocalTable } from "../devkit/dynalite";
import { setEnv } from "../devkit/loopback";
import { handler as openRequest } from "../lambdas/open-request/index";
import { handler as notifyApprover, notifyApprover as notifyWith } from "../lambdas/notify-approver/index";
import { hasConfirmedEmailSubscription } from "../lambdas/notify-approver/subscriptions";
import { handler as recordExpiry } from "../lambdas/record-expiry/index";
import { handler as closeRequest } from "../lambdas/close-request/index";
import { captureLog } from "./helpers/log-capture";
import { fakeCallbacks } from "./helpers/request-fixtures";
import { startSnsStub, type SnsStub } from "./helpers/sns-stub";

const DAY_S = 86_400;
const PAGE_BASE = "https://pages.example.com/prod"; // no trailing slash: the handler adds it
const STARTED_AT = "2030-01-01T00:00:00.000Z";
const topicArn = (name: string) => `arn:aws:sns:eu-west-1:123456789012:approval-${name}`;

let executions = 0;
const nextExecutionArn = () => `arn:aws:states:eu-west-1:123456789012:execution:approval:run-${++executions}`;

interface StageShape {
  name: string;
  approvers: string[];
  quorum?: number;
  timeoutSeconds?: number;
}

function openEvent(input: unknown, stages: StageShape[], executionArn = nextExecutionArn()): OpenRequestEvent {
  return {
    input,
    executionArn,
    startedAt: STARTED_AT,
    stages: stages.map((s) => ({
      name: s.name,
      quorum: s.quorum ?? s.approvers.length,
      timeoutSeconds: s.timeoutSeconds ?? 3600,
      approvers: s.approvers,
      advisors: [],
    })),
  };
}

describe("request lifecycle handlers (dynalite + SNS stand-in)", () => {
  let table: LocalTable;
  let store: RequestStore;
  let sns: SnsStub;
  let scanClient: DynamoDBDocumentClient;
  let restoreEnv: () => void;
  useLocalRequestStore((local) => ((table = local.table), (store = local.store)));

  before(async () => {
    sns = await startSnsStub();
    restoreEnv = setEnv({ APPROVAL_PAGE_URL: PAGE_BASE, RECORD_RETENTION_DAYS: "30" });
    scanClient = localDocumentClient(table);
  });
  after(async () => {
    restoreEnv();
    scanClient.destroy();
    await sns.stop();
  });
  beforeEach(() => (sns.published.length = 0));

  async function allItems(): Promise<Record<string, unknown>[]> {
    return (await scanClient.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }))).Items ?? [];
  }

  async function askItemsOf(requestId: string): Promise<AskRecord[]> {
    return (await allItems()).filter(
      (item) => String(item.pk).startsWith("ask#") && item.requestId === requestId,
    ) as unknown as AskRecord[];
  }

  async function openWith(stages: StageShape[]): Promise<OpenRequestResult> {
    for (const name of stages.flatMap((s) => s.approvers)) {
      if (!sns.subscriptions.has(topicArn(name))) sns.subscribe(topicArn(name), `${name}@example.com`);
    }
    return openRequest(
      openEvent({ subject: "Deploy release 42", details: "Rolls out the new billing engine." }, stages),
    );
  }

  const oneStage = (approvers: string[], quorum = approvers.length) => [{ name: "approval", approvers, quorum }];

  let tokens = 0;
  function askEvent(opened: OpenRequestResult, approver: string, stage = 0, timeoutSeconds = 3600): AskEvent {
    return {
      taskToken: `AQCEAAAAKgAAAAMAAAAA-token-${++tokens}-of-${approver}`,
      requestId: opened.requestId,
      request: opened.request,
      stage: { index: stage, name: opened.request.stages[stage].name, count: opened.request.stages.length },
      approver: {
        name: approver,
        mode: "vote",
        address: `${approver}@example.com`,
        topicArn: topicArn(approver),
        options: {},
      },
      timeoutSeconds,
    };
  }

  /** Notifies the approver and returns the ask id read back from the published link. */
  async function notify(opened: OpenRequestResult, approver: string, stage = 0): Promise<string> {
    const before = sns.published.length;
    await notifyApprover(askEvent(opened, approver, stage));
    const askId = sns.published[before]?.message.match(/\/r\/([A-Za-z0-9_-]+)/)?.[1];
    assert.ok(askId, "the message links to the approval page");
    return askId;
  }

  const expiryEvent = (opened: OpenRequestResult, approver: string, error = "States.Timeout", cause?: string) =>
    ({
      requestId: opened.requestId,
      stage: 0,
      approver,
      channel: "link",
      error: cause === undefined ? { Error: error } : { Error: error, Cause: cause },
    }) satisfies RecordExpiryEvent;

  describe("open-request", () => {
    it("writes an open record of the stages with zero counts, its id derived from the execution, and a TTL from the start", async () => {
      const event = openEvent({ subject: "Deploy release 42", requestedBy: "ci@example.com" }, [
        { name: "pre-review", approvers: ["risk"], timeoutSeconds: 7200 },
        { name: "owners", approvers: ["finance", "security"], quorum: 1, timeoutSeconds: 3 * DAY_S },
      ]);
      const result = await openRequest(event);
      assert.equal(result.requestId, requestIdFor(event.executionArn));
      assert.deepEqual(result.request, {
        id: result.requestId,
        subject: "Deploy release 42",
        requestedBy: "ci@example.com",
        approvers: ["risk", "finance", "security"],
        stages: [
          { name: "pre-review", quorum: 1, approvers: ["risk"] },
          { name: "owners", quorum: 1, approvers: ["finance", "security"] },
        ],
        openedAt: STARTED_AT,
      });
      const emptyStage = (name: string, quorum: number, approvers: string[]) => ({
        name,
        quorum,
        approvers,
        advisors: [],
        approvals: 0,
        rejections: 0,
        misses: 0,
        declined: 0,
        votes: {},
        asks: {},
      });
      // Every stage waiting its whole deadline, a day for retries, then the retention.
      const expiresAt = Date.parse(STARTED_AT) / 1000 + 7200 + 3 * DAY_S + DAY_S + 30 * DAY_S;
      assert.deepEqual(await store.getRequest(result.requestId), {
        pk: `request#${result.requestId}`,
        requestId: result.requestId,
        status: "open",
        subject: "Deploy release 42",
        requestedBy: "ci@example.com",
        executionArn: event.executionArn,
        stages: [emptyStage("pre-review", 1, ["risk"]), emptyStage("owners", 1, ["finance", "security"])],
        openedAt: STARTED_AT,
        expiresAt,
      } satisfies RequestRecord);
    });

    it("a retried invocation for the same execution returns the record it opened, unchanged", async () => {
      const event = openEvent({ subject: "Retried" }, oneStage(["finance"]));
      const first = await openRequest(event);
      const again = await openRequest(event);
      assert.deepEqual(again, first);
    });

    it("rejects invalid input with Approval.InvalidInput and writes nothing", async () => {
      const before = (await allItems()).length;
      for (const input of [
        {},
        { subject: "" },
        { subject: "s", reviewUrl: "http://insecure.example.com" },
        { subject: "s\u009b2K" },
        "just a string",
      ]) {
        await assert.rejects(openRequest(openEvent(input, oneStage(["finance"]))), { name: "Approval.InvalidInput" });
      }
      assert.equal((await allItems()).length, before);
    });
  });

  describe("notify-approver", () => {
    it("stores the task token under a fresh ask id and publishes one message with the link and never the token", async () => {
      const opened = await openWith(oneStage(["finance", "security"], 1));
      const event = askEvent(opened, "security", 0, 7200);
      const startedAt = Date.now();
      await notifyApprover(event);
      const finishedAt = Date.now();

      assert.equal(sns.published.length, 1);
      const [published] = sns.published;
      assert.equal(published.topicArn, topicArn("security"));
      assert.equal(published.subject, "Approval requested: Deploy release 42");
      assert.ok(!published.message.includes(event.taskToken!), "no task token in the message");
      const links = published.message.match(/https:\/\/\S+/g) ?? [];
      assert.equal(links.length, 1);
      const askId = links[0].slice(`${PAGE_BASE}/r/`.length);
      assert.equal(links[0], `${PAGE_BASE}/r/${askId}`);
      assert.ok(isWellFormedId(askId) && Buffer.from(askId, "base64url").length * 8 >= 128, "≥ 128 random bits");
      assert.ok(published.message.includes("Rolls out the new billing engine."));

      const ask = await store.getAsk(askId);
      assert.ok(ask);
      assert.equal(ask.taskToken, event.taskToken);
      assert.deepEqual(
        [ask.requestId, ask.stage, ask.approver, ask.address, ask.channel],
        [opened.requestId, 0, "security", "security@example.com", "link"],
      );
      const deadline = Date.parse(ask.deadline);
      assert.ok(deadline >= startedAt + 7_200_000 && deadline <= finishedAt + 7_200_000, "deadline = now + timeout");
      assert.equal(ask.expiresAt, Math.floor(deadline / 1000) + 30 * DAY_S, "the ask's TTL = deadline + retention");
      assert.ok(published.message.includes(ask.deadline), "the message states the deadline");
      const request = await store.getRequest(opened.requestId);
      assert.deepEqual(request?.stages[0].asks.security, { askId, channel: "link", deadline: ask.deadline });
    });

    it("says which stage the request is in when it has several", async () => {
      const opened = await openWith([
        { name: "pre-review", approvers: ["risk"] },
        { name: "owners", approvers: ["finance"] },
      ]);
      await notify(opened, "finance", 1);
      assert.ok(sns.published[0].message.includes("Stage:        2 of 2: owners"), sns.published[0].message);
    });

    it("a retried ask reuses the ask id (the same link) and replaces the token, leaving the old one nowhere", async () => {
      const opened = await openWith(oneStage(["finance"]));
      const first = askEvent(opened, "finance");
      await notifyApprover(first);
      const retried = askEvent(opened, "finance");
      await notifyApprover(retried);
      const [one, two] = sns.published.map((p) => p.message.match(/\/r\/([A-Za-z0-9_-]+)/)?.[1]);
      assert.equal(one, two, "the approver keeps one link");
      const asks = await askItemsOf(opened.requestId);
      assert.equal(asks.length, 1);
      assert.equal(asks[0].taskToken, retried.taskToken);
      assert.ok(!JSON.stringify(await allItems()).includes(first.taskToken!), "the earlier token is scrubbed");
      assert.deepEqual((await store.getRequest(opened.requestId))?.stages[0].asks.finance.askId, one);
    });

    for (const [label, subscribe] of [
      ["no subscription at all", () => undefined],
      ["a subscription pending confirmation", (arn: string) => sns.subscribe(arn, "legal@example.com", false)],
      ["a confirmed subscription of another address", (arn: string) => sns.subscribe(arn, "someone@example.com")],
    ] as const) {
      it(`an approver whose topic has ${label} is not asked: ${UNREACHABLE_ERROR}, logged as an error naming them`, async () => {
        const opened = await openWith(oneStage(["finance"]));
        sns.subscriptions.delete(topicArn("legal"));
        subscribe(topicArn("legal"));
        const { error, entries } = await captureLog(() => notifyApprover(askEvent(opened, "legal")));
        assert.ok(error instanceof Error);
        assert.equal(error.name, UNREACHABLE_ERROR);
        assert.match(error.message, /legal has no confirmed email subscription/);
        assert.equal(sns.published.length, 0, "nothing published");
        assert.deepEqual(await askItemsOf(opened.requestId), [], "no token stored");
        const logged = entries.filter((e) => e.level === "ERROR");
        assert.equal(logged.length, 1);
        assert.equal(logged[0].approver, "legal");
        assert.equal(logged[0].topicArn, topicArn("legal"));
        assert.match(logged[0].message, /unreachable/);
      });
    }

    it("SNS throttling is Approval.ChannelThrottled (retried by the state machine); other SNS refusals Approval.ChannelFailed", async () => {
      const opened = await openWith(oneStage(["finance"]));
      const failing = (name: string) => async () => {
        throw Object.assign(new Error("SNS says no"), { name });
      };
      const deps = { store, approvalPageUrl: PAGE_BASE, isReachable: async () => true };
      await assert.rejects(notifyWith({ ...deps, publish: failing("Throttling") }, askEvent(opened, "finance")), {
        name: CHANNEL_THROTTLED_ERROR,
      });
      await assert.rejects(
        notifyWith({ ...deps, publish: failing("AuthorizationError") }, askEvent(opened, "finance")),
        {
          name: CHANNEL_FAILED_ERROR,
          message: /SNS could not publish the approval request for finance: AuthorizationError/,
        },
      );
      await assert.rejects(
        notifyWith(
          { ...deps, isReachable: failing("ThrottlingException"), publish: async () => undefined },
          askEvent(opened, "finance"),
        ),
        { name: CHANNEL_THROTTLED_ERROR },
      );
    });

    it("does not notify for a request that is no longer open and leaves no task token behind", async () => {
      const opened = await openWith(oneStage(["finance"]));
      await closeRequest({ requestId: opened.requestId, reason: "failed" });
      const result = await notifyApprover(askEvent(opened, "finance"));
      assert.deepEqual(result, { notified: false, reason: "requestNotOpen" });
      assert.equal(sns.published.length, 0);
      for (const ask of await askItemsOf(opened.requestId)) assert.equal(ask.taskToken, undefined);
    });

    it("does not email a voter whose stage the others already settled (a late branch), and stores no token for them", async () => {
      const opened = await openWith(oneStage(["finance", "platform"], 1));
      assert.deepEqual(await notifyApprover(askEvent(opened, "finance")), { notified: true });
      const [financeAsk] = (await askItemsOf(opened.requestId)).filter((ask) => ask.approver === "finance");
      const approved = await recordDecision(
        { store, callbacks: fakeCallbacks() },
        { askId: financeAsk.askId, decision: "approve", channel: "link" },
      );
      assert.equal(approved.kind, "recorded");
      const published = sns.published.length;
      const result = await notifyApprover(askEvent(opened, "platform"));
      assert.deepEqual(result, { notified: false, reason: "stageEnded" });
      assert.equal(sns.published.length, published, "no email for a stage that is already approved");
      assert.deepEqual(
        (await askItemsOf(opened.requestId)).map((ask) => ask.approver),
        ["finance"],
      );
    });

    it("reads every page of ListSubscriptionsByTopic and counts only confirmed email subscriptions of the address", async () => {
      const pages: ListSubscriptionsByTopicCommandOutput[] = [
        {
          $metadata: {},
          Subscriptions: [{ Protocol: "email", Endpoint: "x@example.com", SubscriptionArn: "arn:aws:sns:x" }],
          NextToken: "page-2",
        },
        {
          $metadata: {},
          Subscriptions: [
            { Protocol: "email", Endpoint: "Finance@Example.com", SubscriptionArn: "PendingConfirmation" },
            { Protocol: "email-json", Endpoint: "finance@example.com", SubscriptionArn: "arn:aws:sns:y" },
          ],
          NextToken: "page-3",
        },
        {
          $metadata: {},
          Subscriptions: [{ Protocol: "email", Endpoint: "FINANCE@example.com", SubscriptionArn: "arn:aws:sns:z" }],
        },
      ];
      const asked: (string | undefined)[] = [];
      const client = {
        send: async (command: ListSubscriptionsByTopicCommand) => {
          asked.push(command.input.NextToken);
          return pages[asked.length - 1];
        },
      };
      assert.equal(await hasConfirmedEmailSubscription(client, topicArn("finance"), "finance@example.com"), true);
      assert.deepEqual(asked, [undefined, "page-2", "page-3"]);
      asked.length = 0;
      pages[2] = { $metadata: {}, Subscriptions: [] };
      assert.equal(await hasConfirmedEmailSubscription(client, topicArn("finance"), "finance@example.com"), false);
    });
  });

  describe("record-expiry", () => {
    it("records a missed deadline and throws Approval.Expired when it makes the quorum unreachable", async () => {
      const opened = await openWith(oneStage(["finance", "security"]));
      await assert.rejects(recordExpiry(expiryEvent(opened, "security")), {
        name: SIGNAL_ERRORS.expired,
        message: /security missed the deadline/,
      });
      const vote = (await store.getRequest(opened.requestId))?.stages[0].votes.security;
      assert.deepEqual([vote?.decision, vote?.decidedBy, vote?.channel], ["expired", "deadline", "deadline"]);
      assert.equal((await store.getRequest(opened.requestId))?.stages[0].misses, 1);
    });

    it("returns signal none when the stage goes on", async () => {
      const opened = await openWith(oneStage(["finance", "security", "legal"], 1));
      assert.deepEqual(await recordExpiry(expiryEvent(opened, "legal")), {
        signal: "none",
        approver: "legal",
        decision: "expired",
      });
    });

    it("records an unreachable approver as unreachable, with the reason, counting like a missed deadline", async () => {
      const opened = await openWith(oneStage(["finance", "security"], 1));
      const cause = JSON.stringify({
        errorType: UNREACHABLE_ERROR,
        errorMessage: "security has no confirmed email subscription",
        trace: [`${UNREACHABLE_ERROR}: security has no confirmed email subscription`, "    at checkReachable"],
      });
      const result = await recordExpiry(expiryEvent(opened, "security", UNREACHABLE_ERROR, cause));
      assert.equal(result.decision, "unreachable");
      const vote = (await store.getRequest(opened.requestId))?.stages[0].votes.security;
      assert.deepEqual([vote?.decision, vote?.decidedBy, vote?.channel], ["unreachable", "workflow", "link"]);
      // The Cause of a Lambda error is the error as JSON: the reason is its message, not that document.
      assert.equal(vote?.reason, "security has no confirmed email subscription");
      await assert.rejects(
        recordExpiry(expiryEvent(opened, "finance", UNREACHABLE_ERROR)),
        { name: SIGNAL_ERRORS.expired, message: /finance is unreachable/ },
        "the second unreachable approver ends the stage",
      );
    });

    for (const [error, reason] of [
      [CHANNEL_FAILED_ERROR, /SNS could not publish/],
      [CHANNEL_THROTTLED_ERROR, /stayed throttled after every retry/],
    ] as const) {
      it(`records ${error} as failed, with a reason`, async () => {
        const opened = await openWith(oneStage(["finance", "security"], 1));
        await recordExpiry(
          expiryEvent(opened, "security", error, "SNS could not publish the approval request for security"),
        );
        const vote = (await store.getRequest(opened.requestId))?.stages[0].votes.security;
        assert.equal(vote?.decision, "failed");
        assert.match(vote?.reason ?? "", reason);
      });
    }

    it("after the approver's own vote, records nothing more", async () => {
      const opened = await openWith(oneStage(["finance", "security"]));
      const askId = await notify(opened, "finance");
      await recordDecision({ store, callbacks: fakeCallbacks() }, { askId, decision: "approve", channel: "link" });
      assert.deepEqual(await recordExpiry(expiryEvent(opened, "finance")), {
        signal: "none",
        approver: "finance",
        decision: "approve",
      });
      assert.equal((await store.getRequest(opened.requestId))?.stages[0].misses, 0);
    });
  });

  describe("close-request", () => {
    it("closes with the certain outcome, decisions per stage, scrubbed tokens and the retention TTL; a second close returns the same", async () => {
      const approvers = ["ops", "finance", "security"];
      const opened = await openWith(oneStage(approvers, 2));
      const askIds: Record<string, string> = {};
      for (const approver of approvers) askIds[approver] = await notify(opened, approver);
      const callbacks = fakeCallbacks();
      await recordDecision(
        { store, callbacks },
        { askId: askIds.security, decision: "approve", comment: "looks good", channel: "link" },
      );
      await recordDecision({ store, callbacks }, { askId: askIds.ops, decision: "approve", channel: "link" });
      assert.deepEqual(
        callbacks.calls.map((c) => c.signal),
        ["none", "quorumReached"],
      );

      const output = await closeRequest({ requestId: opened.requestId });
      assert.ok(!("ignored" in output));
      assert.equal(output.outcome, "approved");
      assert.deepEqual(
        output.decisions.map((d) => [d.stage, d.approver, d.decision, d.comment]),
        [
          ["approval", "ops", "approve", undefined],
          ["approval", "finance", "none", undefined],
          ["approval", "security", "approve", "looks good"],
        ],
      );
      assert.deepEqual(output.decisions[1], { stage: "approval", approver: "finance", decision: "none" });
      assert.deepEqual(output.stages, [
        { name: "approval", outcome: "approved", quorum: 2, decisions: output.decisions },
      ]);
      assert.equal(output.request.id, opened.requestId);
      assert.ok(output.request.closedAt);

      const closed = await store.getRequest(opened.requestId);
      assert.deepEqual([closed?.status, closed?.outcome, closed?.closeReason], ["closed", "approved", "completed"]);
      assert.equal(closed?.expiresAt, Math.floor(Date.parse(output.request.closedAt!) / 1000) + 30 * DAY_S);
      for (const approver of approvers) {
        const ask = await store.getAsk(askIds[approver]);
        assert.equal(ask?.taskToken, undefined, `${approver}'s token scrubbed`);
        assert.equal(ask?.expiresAt, closed?.expiresAt, `${approver}'s ask expires with the record`);
      }
      assert.deepEqual(await closeRequest({ requestId: opened.requestId }), output);

      const late = await recordDecision(
        { store, callbacks },
        { askId: askIds.finance, decision: "reject", channel: "link" },
      );
      assert.ok(late.kind === "refused" && late.why.kind === "requestClosed");
    });

    it("a request rejected in stage 1 reports the stage it ended in, and later stages as not reached", async () => {
      const opened = await openWith([
        { name: "pre-review", approvers: ["risk"] },
        { name: "owners", approvers: ["finance"] },
      ]);
      const askId = await notify(opened, "risk");
      await recordDecision({ store, callbacks: fakeCallbacks() }, { askId, decision: "reject", channel: "link" });
      const output = await closeRequest({ requestId: opened.requestId });
      assert.ok(!("ignored" in output));
      assert.deepEqual([output.outcome, output.endedInStage], ["rejected", "pre-review"]);
      assert.deepEqual(
        output.stages.map((s) => [s.name, s.outcome]),
        [
          ["pre-review", "rejected"],
          ["owners", "notReached"],
        ],
      );
    });

    it("after a technical failure with nothing certain, closes without an outcome", async () => {
      const opened = await openWith(oneStage(["finance", "security"]));
      const output = await closeRequest({ requestId: opened.requestId, reason: "failed" });
      assert.ok(!("ignored" in output) && !("outcome" in output));
      assert.deepEqual(
        output.decisions.map((d) => d.decision),
        ["none", "none"],
      );
      const record = await store.getRequest(opened.requestId);
      assert.deepEqual([record?.status, record?.outcome, record?.closeReason], ["closed", undefined, "failed"]);
    });

    it("after a technical failure with a certain outcome, still reports it", async () => {
      const opened = await openWith(oneStage(["finance", "security"]));
      await assert.rejects(recordExpiry(expiryEvent(opened, "finance")), { name: SIGNAL_ERRORS.expired });
      const output = await closeRequest({ requestId: opened.requestId, reason: "failed" });
      assert.ok(!("ignored" in output));
      assert.equal(output.outcome, "expired");
    });

    it("fails with Approval.RequestNotFound for an unknown request", async () => {
      await assert.rejects(closeRequest({ requestId: "unknown" }), { name: "Approval.RequestNotFound" });
    });
  });
});
