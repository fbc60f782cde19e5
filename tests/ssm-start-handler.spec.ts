/**
 * ssm-start (iam channel) against dynalite and a fake SSM client: the ask it stores, the
 * automation it starts (parameters, message, never the token), the execution id it records, and
 * the races with a request that closes meanwhile.
 */
import { strict as assert } from "node:assert";
import { automationParameters, approvalMessage, fitText } from "../lambdas/ssm-start/automation-request";
import { startIamApproval, type SsmStartDeps } from "../lambdas/ssm-start/index";
import { ssmAutomations } from "../lambdas/shared/automations";
import { freshId, isWellFormedId } from "../lambdas/shared/ids";
import type { AskApproverEvent, RequestSummary } from "../lambdas/shared/model";
import type { RequestStore } from "../lambdas/shared/store";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { localDocumentClient, useLocalRequestStore, type LocalTable } from "./helpers/dynalite";
import { FakeAutomationClient, namedError } from "./helpers/fake-automation-client";
import { openRequestRecord, T0 } from "./helpers/request-fixtures";

const DOCUMENT = "parallel-approval-dev-approval-ssm";
const AUTOMATION_ROLE = "arn:aws:iam::123456789012:role/approval-ssm-automation-role";
const PRINCIPAL = "arn:aws:iam::123456789012:role/SecurityApprover";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:Automation-security-20301126";
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

  async function openRequest(summary: Partial<RequestSummary> = {}): Promise<AskApproverEvent> {
    const requestId = freshId();
    const request: RequestSummary = {
      id: requestId,
      subject: "Rotate the production database credentials",
      approvers: ["security", "finance"],
      quorum: 2,
      openedAt: T0.toISOString(),
      ...summary,
    };
    await openRequestRecord(store, requestId, {
      approvers: request.approvers,
      quorum: request.quorum,
      openedAt: request.openedAt,
      subject: request.subject,
      details: request.details,
      reviewUrl: request.reviewUrl,
      requestedBy: request.requestedBy,
    });
    return {
      taskToken: TOKEN,
      requestId,
      request,
      approver: { name: "security", address: PRINCIPAL, topicArn: TOPIC },
      timeoutSeconds: 3600,
    };
  }

  it("stores an iam ask holding the token under a fresh correlation id and starts the automation with that id only", async () => {
    const event = await openRequest();
    const result = await startIamApproval(deps, event);
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
        Approvers: [PRINCIPAL],
        Message: undefined,
        NotificationArn: [TOPIC],
        MinRequiredApprovals: ["1"],
        CorrelationId: [correlationId],
        AutomationAssumeRole: [AUTOMATION_ROLE],
      },
    );
    assert.ok(!JSON.stringify(parameters).includes(TOKEN.slice(0, 24)), "the task token is in no parameter");

    const ask = await store.getAsk(correlationId);
    assert.ok(ask);
    assert.equal(ask.channel, "iam");
    assert.equal(ask.address, PRINCIPAL);
    assert.equal(ask.approver, "security");
    assert.equal(ask.taskToken, TOKEN);
    assert.equal(ask.deadline, new Date(T0.getTime() + 3600_000).toISOString());
    assert.ok(result.started);
    assert.equal(ask.automationExecutionId, result.automationExecutionId);
    const request = await store.getRequest(event.requestId);
    assert.deepEqual(request?.asks.security, {
      askId: correlationId,
      channel: "iam",
      deadline: ask.deadline,
      automationExecutionId: result.automationExecutionId,
    });
  });

  it("each invocation gets its own correlation id", async () => {
    const first = await openRequest();
    const second = await openRequest();
    await startIamApproval(deps, first);
    await startIamApproval(deps, second);
    const ids = ssm.calls.map((call) => (call.input.Parameters as Record<string, string[]>).CorrelationId[0]);
    assert.equal(new Set(ids).size, 2);
  });

  it("starts nothing when the request closed before the ask was stored, and keeps no token", async () => {
    const event = await openRequest();
    await store.closeRequest(event.requestId, undefined, T0);
    assert.deepEqual(await startIamApproval(deps, event), { started: false, reason: "requestNotOpen" });
    assert.deepEqual(ssm.calls, []);
    const request = await store.getRequest(event.requestId);
    assert.deepEqual(request?.asks, {});
    const client = localDocumentClient(table);
    try {
      const items =
        (await client.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }))).Items ?? [];
      const asks = items.filter((item) => String(item.pk).startsWith("ask#") && item.requestId === event.requestId);
      assert.equal(asks.length, 1);
      assert.equal(asks[0].taskToken, undefined, "the token was removed again");
    } finally {
      client.destroy();
    }
  });

  it("stops the automation it started when the request closed before the execution id was recorded", async () => {
    const event = await openRequest();
    const closing: SsmStartDeps = {
      ...deps,
      automations: {
        ...deps.automations,
        start: async (document, parameters) => {
          const id = await deps.automations.start(document, parameters);
          await store.closeRequest(event.requestId, undefined, T0); // the close wins the race
          return id;
        },
      },
    };
    assert.deepEqual(await startIamApproval(closing, event), { started: false, reason: "requestNotOpen" });
    const [id] = ssm.startedIds();
    assert.deepEqual(
      ssm.calls.map((c) => c.operation),
      ["StartAutomationExecution", "StopAutomationExecution"],
    );
    assert.equal(ssm.executions.get(id)?.AutomationExecutionStatus, "Cancelled");
  });

  it("stops the automation and fails when its execution id cannot be recorded", async () => {
    const event = await openRequest();
    const failing: SsmStartDeps = {
      ...deps,
      store: {
        ...store,
        recordAutomationExecution: async () => Promise.reject(namedError("ProvisionedThroughputExceededException")),
      },
    };
    await assert.rejects(startIamApproval(failing, event), { name: "ProvisionedThroughputExceededException" });
    assert.equal(ssm.executions.get(ssm.startedIds()[0])?.AutomationExecutionStatus, "Cancelled");
  });

  it("fails the task when SSM refuses to start (the SDK already retried throttling)", async () => {
    const event = await openRequest();
    ssm.failures.push({
      operation: "StartAutomationExecution",
      error: namedError("ThrottlingException", "Rate exceeded"),
    });
    await assert.rejects(startIamApproval(deps, event), { name: "ThrottlingException" });
    assert.deepEqual(ssm.startedIds(), []);
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
      openedAt: T0.toISOString(),
    };
    const deadline = "2030-01-04T00:00:00.000Z";

    it("names the subject, requester, review link, details, deadline and where to decide", () => {
      const message = approvalMessage({ request, approver: "security", deadline });
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
    });

    it("always fits SSM's 512 characters: the subject and deadline stay, a link too long is left out whole, details are cut", () => {
      const long = {
        ...request,
        subject: "S".repeat(200),
        requestedBy: "R".repeat(200),
        details: "Détails ".repeat(500),
        reviewUrl: `https://review.example.com/${"p".repeat(1900)}`,
      };
      const message = approvalMessage({ request: long, approver: "security", deadline });
      assert.ok(Buffer.byteLength(message, "utf8") <= 512, `${Buffer.byteLength(message, "utf8")} bytes`);
      assert.ok(message.includes(deadline));
      assert.ok(message.includes("S".repeat(150)));
      assert.ok(!message.includes("https://review.example.com/"), "no truncated link");
      assert.ok(message.includes("Détails Détails"), "details as far as they fit");
      assert.ok(message.includes("…"), "marked as cut");
    });

    it("cuts on whole characters", () => {
      assert.equal(fitText("ééé", 5), "é…");
      assert.equal(fitText("abc", 3), "abc");
    });

    it("refuses parameter values SSM would refuse", () => {
      const approver = { name: "security", address: PRINCIPAL, topicArn: TOPIC };
      assert.throws(
        () =>
          automationParameters({
            correlationId: freshId(),
            approver,
            message: "m".repeat(513),
            automationRoleArn: AUTOMATION_ROLE,
          }),
        /Message must hold 1 to 512/,
      );
      assert.throws(
        () =>
          automationParameters({ correlationId: freshId(), approver, message: "", automationRoleArn: AUTOMATION_ROLE }),
        /Message/,
      );
    });
  });

  describe("the SSM adapter", () => {
    it("treats stopping an automation that already ended, or that SSM does not know, as done", async () => {
      const id = await deps.automations.start(DOCUMENT, { Approvers: [PRINCIPAL] });
      assert.equal(await deps.automations.stop(id), "stopped");
      assert.equal(await deps.automations.stop(id), "alreadyEnded");
      assert.equal(await deps.automations.stop("00000000-0000-0000-0000-000000000000"), "alreadyEnded");
    });

    it("passes other stop errors on", async () => {
      const id = await deps.automations.start(DOCUMENT, { Approvers: [PRINCIPAL] });
      ssm.failures.push({ operation: "StopAutomationExecution", error: namedError("ThrottlingException") });
      await assert.rejects(deps.automations.stop(id), { name: "ThrottlingException" });
    });
  });
});
