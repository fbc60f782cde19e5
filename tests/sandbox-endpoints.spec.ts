/**
 * The sandbox's local AWS endpoints speak the wire protocols the real SDK clients use: each is
 * exercised here with the very client the handlers use (SNSClient over the query protocol,
 * SFNClient over awsJson1_0, SSMClient over awsJson1_1), and its errors reach the handlers'
 * code under the names AWS uses.
 */
import assert from "node:assert/strict";
import { ListSubscriptionsByTopicCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from "@aws-sdk/client-sfn";
import {
  GetAutomationExecutionCommand,
  SendAutomationSignalCommand,
  SSMClient,
  StartAutomationExecutionCommand,
  StopAutomationExecutionCommand,
} from "@aws-sdk/client-ssm";
import type { AutomationStepStatusEvent } from "../channels/iam/automation-contract";
import { approvalDocumentContent } from "../channels/iam/document";
import { freshId } from "../core/ids";
import { sfnTaskCallbacks } from "../lambdas/adapters/callbacks";
import { hasConfirmedEmailSubscription } from "../lambdas/notify-approver/subscriptions";
import { parseStepStatusEvent } from "../lambdas/ssm-result/parse-automation-event";
import { stepOutcomeOf } from "../lambdas/ssm-result/step-outcome";
import { startFakeSns, type FakeSns } from "../local/fake-sns";
import { startFakeSsm, type DocumentParameter, type FakeSsm, type LocalAutomation } from "../local/fake-ssm";
import { startFakeStepFunctions, type FakeStepFunctions, type TaskCallback } from "../local/fake-stepfunctions";
import { createTaskRegistry } from "../local/state-machine-runner";

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: "eu-west-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const TOPIC = "arn:aws:sns:eu-west-1:000000000000:Automation-finance-local";
const PENDING_TOPIC = "arn:aws:sns:eu-west-1:000000000000:Automation-audit-local";

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail("expected the call to fail");
}

describe("sandbox SNS endpoint (query protocol, Publish)", () => {
  let sns: FakeSns;
  let client: SNSClient;
  before(async () => {
    sns = await startFakeSns({
      topicArns: [TOPIC, PENDING_TOPIC],
      subscriptions: {
        [TOPIC]: { email: "finance@example.com", confirmed: true },
        [PENDING_TOPIC]: { email: "audit@example.com", confirmed: false },
      },
    });
    client = new SNSClient(clientConfig(sns.endpoint));
  });
  after(async () => {
    client.destroy();
    await sns.stop();
  });

  it("puts a message published with the real SNS client in the outbox and answers its MessageId", async () => {
    const out = await client.send(
      new PublishCommand({ TopicArn: TOPIC, Subject: "Approval requested: x", Message: "line 1\nline 2 & <3>" }),
    );
    const last = sns.outbox.at(-1)!;
    assert.equal(out.MessageId, last.messageId);
    assert.deepEqual(
      { topicArn: last.topicArn, subject: last.subject, message: last.message },
      { topicArn: TOPIC, subject: "Approval requested: x", message: "line 1\nline 2 & <3>" },
    );
  });

  it("refuses what SNS refuses: an unknown topic (NotFound) and a subject of 100 characters or with a line break (InvalidParameter)", async () => {
    const count = sns.outbox.length;
    // The SDK names SNS's query error codes NotFound and InvalidParameter with an Exception suffix.
    assert.equal(
      (await errorOf(client.send(new PublishCommand({ TopicArn: `${TOPIC}-other`, Message: "m" })))).name,
      "NotFoundException",
    );
    assert.equal(
      (await errorOf(client.send(new PublishCommand({ TopicArn: TOPIC, Subject: "x".repeat(100), Message: "m" }))))
        .name,
      "InvalidParameterException",
    );
    assert.equal(
      (await errorOf(client.send(new PublishCommand({ TopicArn: TOPIC, Subject: "a\nb", Message: "m" })))).name,
      "InvalidParameterException",
    );
    assert.equal(sns.outbox.length, count, "nothing refused reaches the outbox");
  });

  it("lists each topic's email subscription as SNS does, so notify-approver's own check tells confirmed from pending", async () => {
    assert.equal(await hasConfirmedEmailSubscription(client, TOPIC, "Finance@Example.com"), true);
    assert.equal(await hasConfirmedEmailSubscription(client, PENDING_TOPIC, "audit@example.com"), false);
    const listed = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: PENDING_TOPIC }));
    assert.equal(listed.Subscriptions?.[0]?.SubscriptionArn, "PendingConfirmation");

    sns.setSubscription(TOPIC, undefined);
    assert.equal(await hasConfirmedEmailSubscription(client, TOPIC, "finance@example.com"), false, "unsubscribed");
    sns.setSubscription(TOPIC, { email: "finance@example.com", confirmed: true });
    const missing = await errorOf(client.send(new ListSubscriptionsByTopicCommand({ TopicArn: `${TOPIC}-other` })));
    assert.equal(missing.name, "NotFoundException");
  });
});

describe("sandbox Step Functions endpoint (awsJson1_0, SendTaskSuccess / SendTaskFailure)", () => {
  let sfn: FakeStepFunctions;
  let client: SFNClient;
  const registry = createTaskRegistry();
  const callbacks: TaskCallback[] = [];
  before(async () => {
    sfn = await startFakeStepFunctions({ registry, onCallback: (callback) => callbacks.push(callback) });
    client = new SFNClient(clientConfig(sfn.endpoint));
  });
  after(async () => {
    client.destroy();
    await sfn.stop();
  });

  const issue = () =>
    registry.issue(
      { executionArn: "arn:aws:states:local:0:execution:x:y", stateName: "Ask finance", functionName: "f" },
      60,
    );

  it("completes the waiting task with the output the real client sends", async () => {
    const { taskToken, settled } = issue();
    await client.send(
      new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approver: "finance", decision: "approve" }) }),
    );
    assert.deepEqual(await settled, { approver: "finance", decision: "approve" });
    assert.equal(callbacks.at(-1)?.operation, "SendTaskSuccess");
  });

  it("fails the waiting task with the error and cause the real client sends", async () => {
    const { taskToken, settled } = issue();
    const failure = errorOf(settled);
    await client.send(
      new SendTaskFailureCommand({ taskToken, error: "Approval.Rejected", cause: "security rejected" }),
    );
    const error = await failure;
    assert.equal(error.name, "Approval.Rejected");
    assert.equal(error.message, "security rejected");
  });

  it("answers TaskTimedOut for a token that no longer waits and InvalidToken for one never issued, which the handlers read as 'closed'", async () => {
    const { taskToken, settled } = issue();
    await client.send(new SendTaskSuccessCommand({ taskToken, output: "{}" }));
    await settled;
    assert.equal(
      (await errorOf(client.send(new SendTaskSuccessCommand({ taskToken, output: "{}" })))).name,
      "TaskTimedOut",
    );
    assert.equal(
      (await errorOf(client.send(new SendTaskFailureCommand({ taskToken: "never-issued" })))).name,
      "InvalidToken",
    );

    const delivery = await sfnTaskCallbacks(client).deliver(taskToken, "none", {
      stage: "approval",
      approver: "finance",
      decision: "approve",
      decidedAt: new Date().toISOString(),
      decidedBy: "finance@example.com",
      channel: "link",
    });
    assert.equal(delivery, "closed");
  });

  it("refuses output that is not JSON (InvalidOutput) and leaves the task waiting", async () => {
    const { taskToken, settled } = issue();
    const released = errorOf(settled);
    assert.equal(
      (await errorOf(client.send(new SendTaskSuccessCommand({ taskToken, output: "{not json" })))).name,
      "InvalidOutput",
    );
    assert.ok(registry.waiting().some((task) => task.taskToken === taskToken));
    registry.release(taskToken, "test done");
    await released;
  });
});

describe("sandbox SSM endpoint (awsJson1_1, the approval document's automations)", () => {
  const PRINCIPAL = "arn:aws:iam::123456789012:role/SecurityApprover";
  const DOCUMENT = "parallel-approval-test-approval-ssm";
  let ssm: FakeSsm;
  let client: SSMClient;
  const notified: LocalAutomation[] = [];
  const events: AutomationStepStatusEvent[] = [];

  before(async () => {
    ssm = await startFakeSsm({
      region: "eu-west-1",
      account: "000000000000",
      documentName: DOCUMENT,
      documentParameters: approvalDocumentContent(3600).parameters as Record<string, DocumentParameter>,
      stepTimeoutSeconds: 3600,
      notify: (automation) => void notified.push(automation),
      onStepEnded: (event) => void events.push(event),
    });
    client = new SSMClient(clientConfig(ssm.endpoint));
  });
  after(async () => {
    client.destroy();
    await ssm.stop();
  });

  const parameters = () => ({
    Approvers: [PRINCIPAL],
    Message: ["Approval requested: deploy"],
    NotificationArn: ["arn:aws:sns:eu-west-1:000000000000:Automation-security-local"],
    MinRequiredApprovals: ["1"],
    CorrelationId: [freshId()],
    AutomationAssumeRole: ["arn:aws:iam::000000000000:role/automation"],
  });

  async function startWaiting(): Promise<string> {
    const started = await client.send(
      new StartAutomationExecutionCommand({ DocumentName: DOCUMENT, Parameters: parameters() }),
    );
    const id = started.AutomationExecutionId!;
    // The step starts after the call returned, as in SSM: wait for its notice.
    while (!notified.some((a) => a.id === id)) await new Promise((r) => setImmediate(r));
    return id;
  }

  it("checks parameters against the document's definitions, as StartAutomationExecution does", async () => {
    const wrongPattern = { ...parameters(), CorrelationId: ["not-a-correlation-id"] };
    const unknown = { ...parameters(), TaskToken: ["x"] };
    for (const bad of [wrongPattern, unknown]) {
      const error = await errorOf(
        client.send(new StartAutomationExecutionCommand({ DocumentName: DOCUMENT, Parameters: bad })),
      );
      assert.equal(error.name, "InvalidAutomationExecutionParametersException");
    }
    const otherDocument = await errorOf(
      client.send(new StartAutomationExecutionCommand({ DocumentName: "other", Parameters: parameters() })),
    );
    assert.equal(otherDocument.name, "InvalidDocument");
  });

  it("runs the approve step: waiting, then an approval emits the step event ssm-result parses and reads as a decision", async () => {
    const id = await startWaiting();
    const waiting = await client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
    assert.equal(waiting.AutomationExecution?.StepExecutions?.[0].StepStatus, "Waiting");
    assert.ok(waiting.AutomationExecution?.ExecutionStartTime instanceof Date, "timestamps arrive as dates");

    await client.send(
      new SendAutomationSignalCommand({
        AutomationExecutionId: id,
        SignalType: "Approve",
        Payload: { Comment: ["looks right"] },
      }),
    );
    const event = events.find((e) => e.detail.ExecutionId === id)!;
    assert.deepEqual(parseStepStatusEvent(event), {
      kind: "stepEnded",
      executionId: id,
      documentName: DOCUMENT,
      status: "Success",
    });

    const ended = await client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
    const outcome = stepOutcomeOf(ended.AutomationExecution!, "Success");
    assert.equal(outcome.kind, "decided");
    assert.equal(outcome.kind === "decided" && outcome.decision, "approve");
    assert.equal(outcome.kind === "decided" && outcome.decidedBy, PRINCIPAL);
    assert.equal(outcome.kind === "decided" && outcome.comment, "looks right");
  });

  it("ends the step Failed with a rejection, and Cancelled when stopped; stopping an ended one answers InvalidAutomationStatusUpdateException", async () => {
    const rejected = await startWaiting();
    ssm.signal(rejected, "Reject", PRINCIPAL, "no rollback plan");
    assert.equal(events.find((e) => e.detail.ExecutionId === rejected)?.detail.Status, "Failed");
    const view = await client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: rejected }));
    const outcome = stepOutcomeOf(view.AutomationExecution!, "Failed");
    assert.equal(outcome.kind === "decided" && outcome.decision, "reject");

    const stopped = await startWaiting();
    await client.send(new StopAutomationExecutionCommand({ AutomationExecutionId: stopped, Type: "Cancel" }));
    assert.equal(events.find((e) => e.detail.ExecutionId === stopped)?.detail.Status, "Cancelled");
    const again = await errorOf(
      client.send(new StopAutomationExecutionCommand({ AutomationExecutionId: stopped, Type: "Cancel" })),
    );
    assert.equal(again.name, "InvalidAutomationStatusUpdateException");
    const missing = await errorOf(
      client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: "00000000-0000-0000-0000-000000000000" })),
    );
    assert.equal(missing.name, "AutomationExecutionNotFoundException");
  });

  it("accepts a decision only from the automation's approver, and only while the step waits", async () => {
    const id = await startWaiting();
    assert.throws(() => ssm.signal(id, "Approve", "arn:aws:iam::123456789012:role/SomeoneElse"), {
      name: "AccessDeniedException",
    });
    ssm.signal(id, "Approve", PRINCIPAL);
    assert.throws(() => ssm.signal(id, "Reject", PRINCIPAL), { name: "AutomationStepNotFoundException" });
  });
});
