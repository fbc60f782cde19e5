/**
 * ssm-start (iam channel's ask function) against dynalite and a fake SSM client: the ask it
 * stores, the automation it starts (parameters, tag, message, never the token), the execution id
 * it records, what a retried ask does, how SSM's refusals reach the state machine, and the races
 * with a request that closes meanwhile.
 */
import { strict as assert } from "node:assert";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { STACK_TAG_KEY } from "../channels/iam/automation-contract";
import { CHANNEL_FAILED_ERROR, CHANNEL_THROTTLED_ERROR } from "../core/errors";
import { freshId, isWellFormedId } from "../core/ids";
import type { RequestSummary } from "../core/model";
import type { RequestStore } from "../core/ports";
import { localDocumentClient, useLocalRequestStore, type LocalTable } from "../devkit/dynalite";
import { ssmAutomations } from "../lambdas/adapters/ssm-automations";
import type { AdviceEntry } from "../core/advice";
import { recordRiskAdvice } from "./helpers/reviewer-inputs";
import { requestSummaryOf } from "../core/views";
import { approvalMessage, automationParameters, fitText } from "../lambdas/ssm-start/automation-request";
import { openRequestRecord } from "./helpers/request-fixtures";
import { startIamApproval, type SsmStartDeps } from "../lambdas/ssm-start/index";
import { FakeAutomationClient, namedError } from "./helpers/fake-automation-client";
import {
  askEventFor,
  HOUR_S,
  iamApprover,
  openStagedRequest,
  principalOf,
  T0,
  type OpenedRequest,
} from "./helpers/iam-requests";

const DOCUMENT = "parallel-approval-dev-approval-ssm-63b8e0e1";
const AUTOMATION_ROLE = "arn:aws:iam::123456789012:role/approval-ssm-automation-role";
const SECURITY = iamApprover("security");
const TOKEN = `AQCEAAAAKgAAAAMAAAAA${"x".repeat(1500)}`; // task tokens can be 2,048 characters: far over SSM's 512

describe("ssm-start (dynalite + fake SSM)", () => {
  let table: LocalTable;
  let store: RequestStore;
  let ssm: FakeAutomationClient;
  let deps: SsmStartDeps;

  useLocalRequestStore((local) => ({ table, store } = local));
  beforeEach(() => {
    ssm = new FakeAutomationClient(DOCUMENT);
    deps = {
      store,
      automations: ssmAutomations(ssm),
      documentName: DOCUMENT,
      automationRoleArn: AUTOMATION_ROLE,
      now: () => T0,
    };
  });

  const openRequest = (): Promise<OpenedRequest> =>
    openStagedRequest(store, [{ name: "approval", approvers: ["security", "finance"] }]);

  const starts = () => ssm.calls.filter((call) => call.operation === "StartAutomationExecution");
  const correlationIdsStarted = () =>
    starts().map((call) => (call.input.Parameters as Record<string, string[]>).CorrelationId[0]);

  async function asksOf(requestId: string): Promise<Array<Record<string, unknown>>> {
    const client = localDocumentClient(table);
    try {
      const items =
        (await client.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }))).Items ?? [];
      return items.filter((item) => String(item.pk).startsWith("ask#") && item.requestId === requestId);
    } finally {
      client.destroy();
    }
  }

  it("stores an iam ask holding the token under a fresh correlation id and starts the automation with that id only", async () => {
    const opened = await openRequest();
    const result = await startIamApproval(deps, askEventFor(opened, 0, SECURITY, TOKEN));
    assert.equal(result.started, true);

    const [start] = ssm.calls;
    assert.equal(start.operation, "StartAutomationExecution");
    assert.equal(start.input.DocumentName, DOCUMENT);
    const parameters = start.input.Parameters as Record<string, string[]>;
    const [correlationId] = parameters.CorrelationId;
    assert.ok(isWellFormedId(correlationId), "a 256-bit id");
    assert.deepEqual(
      { ...parameters, Message: undefined },
      {
        Approvers: [SECURITY.address],
        Message: undefined,
        NotificationArn: [SECURITY.topicArn],
        MinRequiredApprovals: ["1"],
        CorrelationId: [correlationId],
        AutomationAssumeRole: [AUTOMATION_ROLE],
      },
    );
    assert.ok(!JSON.stringify(start.input).includes(TOKEN.slice(0, 24)), "the task token is in no parameter or tag");

    const ask = await store.getAsk(correlationId);
    assert.ok(ask);
    assert.equal(ask.channel, "iam");
    assert.equal(ask.address, SECURITY.address);
    assert.equal(ask.approver, "security");
    assert.equal(ask.stage, 0);
    assert.equal(ask.taskToken, TOKEN);
    assert.equal(ask.deadline, new Date(T0.getTime() + HOUR_S * 1000).toISOString());
    assert.ok(result.started);
    assert.equal(ask.automationExecutionId, result.automationExecutionId);
    const request = await store.getRequest(opened.requestId);
    assert.deepEqual(request?.stages[0].asks.security, {
      askId: correlationId,
      channel: "iam",
      deadline: ask.deadline,
      automationExecutionId: result.automationExecutionId,
    });
  });

  it("tags the automation with this stack's document name, the tag every iam role's permissions require", async () => {
    const result = await startIamApproval(deps, askEventFor(await openRequest(), 0, SECURITY));
    assert.ok(result.started);
    assert.deepEqual(starts()[0].input.Tags, [{ Key: STACK_TAG_KEY, Value: DOCUMENT }]);
    assert.deepEqual(ssm.tags.get(result.automationExecutionId), { "parallel-approval:document": DOCUMENT });
  });

  it("asks for another request, or the same approver in another stage, under another correlation id", async () => {
    const first = await openRequest();
    const second = await openRequest();
    await startIamApproval(deps, askEventFor(first, 0, SECURITY));
    await startIamApproval(deps, askEventFor(second, 0, SECURITY));
    const twoStages = await openStagedRequest(store, [
      { name: "pre-review", approvers: ["security"] },
      { name: "owners", approvers: ["security", "finance"] },
    ]);
    await startIamApproval(deps, askEventFor(twoStages, 0, SECURITY));
    await startIamApproval(deps, askEventFor(twoStages, 1, SECURITY));
    assert.equal(new Set(correlationIdsStarted()).size, 4);
    const record = await store.getRequest(twoStages.requestId);
    assert.notEqual(record?.stages[0].asks.security.askId, record?.stages[1].asks.security.askId);
  });

  it("shows an IAM approver the automated advice of the stages before, in the message SSM sends them", async () => {
    const requestId = `advised-${Date.now()}`;
    await openRequestRecord(store, requestId, {
      stages: [
        { name: "pre-review", approvers: [], advisors: ["risk"] },
        { name: "owners", approvers: ["security"] },
      ],
      subject: "Drop the legacy table",
      openedAt: T0.toISOString(),
    });
    await recordRiskAdvice(store, requestId, T0);
    const record = (await store.getRequest(requestId))!;
    const result = await startIamApproval(deps, {
      taskToken: TOKEN,
      requestId,
      request: requestSummaryOf(record),
      stage: { index: 1, name: "owners", count: 2 },
      approver: SECURITY,
      timeoutSeconds: HOUR_S,
    });
    assert.ok(result.started);
    const [message] = (starts()[0].input.Parameters as Record<string, string[]>).Message;
    assert.match(
      message,
      /\nAutomated review: reject \(risk, stage 1\) — Drops a table without a rollback plan\.\n/,
      message,
    );
  });

  describe("a retried ask (the state machine retries the task with a new token)", () => {
    it("reuses the ask id, replaces the token and stops the earlier attempt's automation", async () => {
      const opened = await openRequest();
      const first = await startIamApproval(deps, askEventFor(opened, 0, SECURITY, "token-attempt-1"));
      const second = await startIamApproval(deps, askEventFor(opened, 0, SECURITY, "token-attempt-2"));
      assert.ok(first.started && second.started);
      assert.notEqual(first.automationExecutionId, second.automationExecutionId);

      const [firstId, secondId] = correlationIdsStarted();
      assert.equal(secondId, firstId, "the same correlation id: the approver's ask is the same question");
      assert.deepEqual(
        ssm.calls.map((call) => [call.operation, call.input.AutomationExecutionId]),
        [
          ["StartAutomationExecution", undefined],
          ["StopAutomationExecution", first.automationExecutionId],
          ["StartAutomationExecution", undefined],
        ],
      );
      assert.equal(ssm.statusOf(first.automationExecutionId), "Cancelled");
      assert.equal(ssm.statusOf(second.automationExecutionId), "Waiting");

      const ask = await store.getAsk(firstId);
      assert.equal(ask?.taskToken, "token-attempt-2");
      assert.equal(ask?.automationExecutionId, second.automationExecutionId);
      const request = await store.getRequest(opened.requestId);
      assert.equal(request?.stages[0].asks.security.automationExecutionId, second.automationExecutionId);
      assert.equal((await asksOf(opened.requestId)).length, 1, "one ask item for the approver, not one per attempt");
    });

    it("after an attempt SSM refused, starts once with the same ask id and stops nothing", async () => {
      const opened = await openRequest();
      ssm.failures.push({ operation: "StartAutomationExecution", error: namedError("ThrottlingException") });
      await assert.rejects(startIamApproval(deps, askEventFor(opened, 0, SECURITY)), { name: CHANNEL_THROTTLED_ERROR });
      const retried = await startIamApproval(deps, askEventFor(opened, 0, SECURITY));
      assert.ok(retried.started);
      const [refusedId, startedId] = correlationIdsStarted();
      assert.equal(startedId, refusedId);
      assert.deepEqual(ssm.startedIds(), [retried.automationExecutionId]);
      assert.ok(!ssm.calls.some((call) => call.operation === "StopAutomationExecution"));
    });
  });

  describe("SSM refusing to start (after the SDK's own retries)", () => {
    // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_StartAutomationExecution.html
    // lists AutomationExecutionLimitExceededException ("The number of simultaneously running
    // Automation executions exceeded the allowable limit"); an account runs 100 automations at once
    // and queues the rest (https://docs.aws.amazon.com/systems-manager/latest/userguide/adaptive-concurrency.html).
    // Both it and throttling clear by themselves: the state machine retries them with backoff.
    for (const name of ["ThrottlingException", "AutomationExecutionLimitExceededException"]) {
      it(`${name} fails the task with ${CHANNEL_THROTTLED_ERROR}, naming the approver and SSM's error`, async () => {
        const opened = await openRequest();
        ssm.failures.push({ operation: "StartAutomationExecution", error: namedError(name, "Rate exceeded") });
        await assert.rejects(startIamApproval(deps, askEventFor(opened, 0, SECURITY)), (error: Error) => {
          assert.equal(error.name, CHANNEL_THROTTLED_ERROR);
          assert.match(error.message, new RegExp(`security.*${name}: Rate exceeded`));
          return true;
        });
        assert.deepEqual(ssm.startedIds(), []);
      });
    }

    it("an HTTP 429 without a known error name counts as throttling too", async () => {
      const opened = await openRequest();
      const error = Object.assign(namedError("SomethingNew"), { $metadata: { httpStatusCode: 429 } });
      ssm.failures.push({ operation: "StartAutomationExecution", error });
      await assert.rejects(startIamApproval(deps, askEventFor(opened, 0, SECURITY)), { name: CHANNEL_THROTTLED_ERROR });
    });

    for (const name of [
      "InvalidAutomationExecutionParametersException",
      "AutomationDefinitionNotFoundException",
      "AccessDeniedException",
      "InternalServerError",
    ]) {
      it(`${name} fails the task with ${CHANNEL_FAILED_ERROR} (not retried: only that approver's part ends)`, async () => {
        const opened = await openRequest();
        ssm.failures.push({ operation: "StartAutomationExecution", error: namedError(name, "refused") });
        await assert.rejects(startIamApproval(deps, askEventFor(opened, 0, SECURITY)), (error: Error) => {
          assert.equal(error.name, CHANNEL_FAILED_ERROR);
          assert.match(error.message, new RegExp(`security.*${name}`));
          return true;
        });
      });
    }
  });

  it("starts nothing when the request closed before the ask was stored, and keeps no token", async () => {
    const opened = await openRequest();
    await store.closeRequest(opened.requestId, { reason: "completed", outcome: "approved", closedAt: T0 });
    assert.deepEqual(await startIamApproval(deps, askEventFor(opened, 0, SECURITY)), {
      started: false,
      reason: "requestNotOpen",
    });
    assert.deepEqual(ssm.calls, []);
    const request = await store.getRequest(opened.requestId);
    assert.deepEqual(request?.stages[0].asks, {});
    assert.deepEqual(
      (await asksOf(opened.requestId)).filter((ask) => ask.taskToken !== undefined),
      [],
      "no ask item holds the token",
    );
  });

  it("stops the automation it started when the request closed before the execution id was recorded", async () => {
    const opened = await openRequest();
    const closing: SsmStartDeps = {
      ...deps,
      automations: {
        ...deps.automations,
        start: async (document, parameters, tags) => {
          const id = await deps.automations.start(document, parameters, tags);
          // The close wins the race: it reads the asks before this automation is recorded.
          await store.closeRequest(opened.requestId, { reason: "aborted", closedAt: T0 });
          return id;
        },
      },
    };
    assert.deepEqual(await startIamApproval(closing, askEventFor(opened, 0, SECURITY)), {
      started: false,
      reason: "requestNotOpen",
    });
    const [id] = ssm.startedIds();
    assert.deepEqual(
      ssm.calls.map((c) => c.operation),
      ["StartAutomationExecution", "StopAutomationExecution"],
    );
    assert.equal(ssm.statusOf(id), "Cancelled");
  });

  it("stops the automation and fails when its execution id cannot be recorded", async () => {
    const opened = await openRequest();
    const failing: SsmStartDeps = {
      ...deps,
      store: {
        ...store,
        setAskHandle: async () => Promise.reject(namedError("ProvisionedThroughputExceededException")),
      },
    };
    await assert.rejects(startIamApproval(failing, askEventFor(opened, 0, SECURITY)), {
      name: "ProvisionedThroughputExceededException",
    });
    assert.equal(ssm.statusOf(ssm.startedIds()[0]), "Cancelled");
  });

  describe("the message SSM shows the approver", () => {
    const request: RequestSummary = {
      id: "r",
      subject: "Deploy release 42",
      details: "Rolls out the new billing engine to every region.",
      reviewUrl: "https://review.example.com/42",
      requestedBy: "release-bot",
      approvers: ["security"],
      quorum: 1,
      stages: [{ name: "approval", quorum: 1, approvers: ["security"] }],
      openedAt: T0.toISOString(),
    };
    const oneStage = { index: 0, name: "approval", count: 1 };
    const deadline = "2030-01-04T00:00:00.000Z";

    it("names the subject, requester, review link, details, deadline and where to decide", () => {
      const message = approvalMessage({ request, stage: oneStage, approver: "security", deadline });
      for (const part of [
        request.subject,
        "release-bot",
        request.reviewUrl!,
        request.details!,
        deadline,
        "security",
        "send-automation-signal",
      ]) {
        assert.ok(message.includes(part), part);
      }
      assert.doesNotMatch(message, /stage 1 of 1/, "a single stage is not announced");
    });

    it("says which stage of how many it is when there are several", () => {
      const message = approvalMessage({
        request,
        stage: { index: 1, name: "owners", count: 3 },
        approver: "security",
        deadline,
      });
      assert.match(message, /stage 2 of 3: owners/);
    });

    const long = {
      ...request,
      subject: "S".repeat(200),
      requestedBy: "R".repeat(200),
      details: "Détails ".repeat(500),
      reviewUrl: `https://review.example.com/${"p".repeat(1900)}`,
    };
    const bytes = (text: string) => Buffer.byteLength(text, "utf8");

    it("always fits SSM's 512 characters: the subject and deadline stay, a link too long is left out whole, details are cut", () => {
      const message = approvalMessage({ request: long, stage: oneStage, approver: "security", deadline });
      assert.ok(bytes(message) <= 512, `${bytes(message)} bytes`);
      assert.ok(message.includes(deadline));
      assert.ok(message.includes("S".repeat(150)));
      assert.ok(!message.includes("https://review.example.com/"), "no truncated link");
      assert.ok(message.includes("Détails Détails"), "details as far as they fit");
      assert.ok(message.includes("…"), "marked as cut");
    });

    it("keeps the whole footer (deadline, approver, stage, where to decide) with the longest names and every field at its limit", () => {
      const approver = "b".repeat(32);
      const stage = { index: 9, name: "a".repeat(32), count: 10 };
      const message = approvalMessage({ request: long, stage, approver, deadline });
      assert.ok(bytes(message) <= 512, `${bytes(message)} bytes`);
      assert.ok(
        message.endsWith(
          `Decide by ${deadline} (approver: ${approver}, stage 10 of 10: ${stage.name}): Systems Manager console > Automation > Approve/Deny, or aws ssm send-automation-signal.`,
        ),
        message,
      );
      assert.ok(message.includes("S".repeat(150)), "the subject stays");
      assert.match(message, /Requested by: R+…/, "the requester as far as it fits");
    });

    const adviceOf = (reviewer: string, stage: number, comment: string): AdviceEntry => ({
      stage,
      stageName: stage === 0 ? "pre-review" : "owners",
      reviewer,
      decision: "reject",
      comment,
      decidedAt: T0.toISOString(),
    });

    it("carries one line per advisor: verdict, reviewer (and its stage when earlier), the reasoning cut to fit", () => {
      const message = approvalMessage({
        request,
        stage: { index: 1, name: "owners", count: 2 },
        approver: "security",
        deadline,
        advice: [adviceOf("lint", 0, "No rollback plan."), adviceOf("risk", 1, "Too risky. ".repeat(300))],
      });
      assert.ok(bytes(message) <= 512, `${bytes(message)} bytes`);
      const lines = message.split("\n");
      assert.ok(lines.includes("Automated review: reject (lint, stage 1) — No rollback plan."), message);
      const risk = lines.find((line) => line.startsWith("Automated review: reject (risk) — Too risky."));
      assert.ok(risk?.endsWith("…"), message);
      for (const part of [request.subject, "release-bot", request.reviewUrl!, deadline, "send-automation-signal."])
        assert.ok(message.includes(part), part);
    });

    it("with more advisors than fit, shows those that fit and says how many more are in the execution output", () => {
      const many = Array.from({ length: 12 }, (_, i) => adviceOf(`reviewer-${i + 1}`, 0, "x".repeat(2000)));
      const message = approvalMessage({ request, stage: oneStage, approver: "security", deadline, advice: many });
      assert.ok(bytes(message) <= 512, `${bytes(message)} bytes`);
      const shown = message.split("\n").filter((line) => line.startsWith("Automated review: reject (reviewer-"));
      assert.ok(shown.length >= 2 && shown.length < 12, message);
      assert.ok(message.includes(`(${12 - shown.length} more automated reviews: see the execution output)`), message);
      assert.ok(message.endsWith("or aws ssm send-automation-signal."), message);
    });

    it("keeps the whole footer with advice too, every field and name at its limit", () => {
      const approver = "b".repeat(32);
      const stage = { index: 9, name: "a".repeat(32), count: 10 };
      for (const count of [1, 5]) {
        const advice = Array.from({ length: count }, (_, i) => adviceOf("c".repeat(31) + i, 0, "x".repeat(2000)));
        for (const input of [long, { ...long, requestedBy: "ci" }]) {
          const message = approvalMessage({ request: input, stage, approver, deadline, advice });
          assert.ok(bytes(message) <= 512, `${bytes(message)} bytes`);
          assert.ok(
            message.endsWith(
              `Decide by ${deadline} (approver: ${approver}, stage 10 of 10: ${stage.name}): Systems Manager console > Automation > Approve/Deny, or aws ssm send-automation-signal.`,
            ),
            message,
          );
        }
      }
      // With a short requester there is room for the advice, as far as it goes.
      const message = approvalMessage({
        request: { ...long, requestedBy: "ci" },
        stage,
        approver,
        deadline,
        advice: [adviceOf("risk", 0, "x".repeat(2000))],
      });
      assert.match(message, /\nAutomated review: reject \(risk, stage 1\) — x+…\n/);
    });

    it("cuts on whole characters", () => {
      assert.equal(fitText("ééé", 5), "é…");
      assert.equal(fitText("abc", 3), "abc");
    });

    it("refuses parameter values SSM would refuse", () => {
      assert.throws(
        () =>
          automationParameters({
            correlationId: freshId(),
            approver: SECURITY,
            message: "m".repeat(513),
            automationRoleArn: AUTOMATION_ROLE,
          }),
        /Message must hold 1 to 512/,
      );
      assert.throws(
        () =>
          automationParameters({
            correlationId: freshId(),
            approver: SECURITY,
            message: "",
            automationRoleArn: AUTOMATION_ROLE,
          }),
        /Message/,
      );
    });
  });

  describe("the SSM adapter", () => {
    it("passes the tags to StartAutomationExecution as SSM's Key/Value list", async () => {
      await deps.automations.start(DOCUMENT, { Approvers: [principalOf("security")] }, { a: "1", b: "2" });
      assert.deepEqual(ssm.calls[0].input.Tags, [
        { Key: "a", Value: "1" },
        { Key: "b", Value: "2" },
      ]);
    });

    it("treats stopping an automation that already ended, or that SSM does not know, as done", async () => {
      const id = await deps.automations.start(DOCUMENT, { Approvers: [principalOf("security")] }, {});
      assert.equal(await deps.automations.stop(id), "stopped");
      assert.equal(await deps.automations.stop(id), "alreadyEnded");
      assert.equal(await deps.automations.stop("00000000-0000-0000-0000-000000000000"), "alreadyEnded");
    });

    it("passes other stop errors on", async () => {
      const id = await deps.automations.start(DOCUMENT, { Approvers: [principalOf("security")] }, {});
      ssm.failures.push({ operation: "StopAutomationExecution", error: namedError("ThrottlingException") });
      await assert.rejects(deps.automations.stop(id), { name: "ThrottlingException" });
    });

    it("reads an execution SSM does not know as undefined, and passes other read errors on", async () => {
      assert.equal(await deps.automations.get("00000000-0000-0000-0000-000000000000"), undefined);
      ssm.failures.push({ operation: "GetAutomationExecution", error: namedError("ThrottlingException") });
      await assert.rejects(deps.automations.get("00000000-0000-0000-0000-000000000000"), {
        name: "ThrottlingException",
      });
    });
  });
});
