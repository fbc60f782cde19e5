/**
 * The "Approval Decided" event close-request sends (core/decided-event.ts,
 * lambdas/close-request/publish-decision.ts), against a local EventBridge: once per request, with
 * the documented detail, whatever closes the request how often; a refused send neither fails the
 * close nor is lost (the next close sends it); the requester topic gets the outcome too; the
 * largest request still fits PutEvents' entry limit whole. Then the same through the sandbox,
 * where the deployed handler finds the stand-in through AWS_ENDPOINT_URL_EVENTBRIDGE.
 */
import { strict as assert } from "node:assert";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SNSClient } from "@aws-sdk/client-sns";
import { StartExecutionCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import {
  DECIDED_DETAIL_TYPE,
  DECIDED_EVENT_SOURCE,
  decidedEntry,
  decidedDetailOf,
  entrySize,
  fittedDetail,
  MAX_EVENT_ENTRY_BYTES,
  type DecidedDelivery,
  type DecidedDetail,
} from "../core/decided-event";
import { MAX_APPROVERS } from "../core/limits";
import type { ExecutionOutput } from "../core/model";
import type { RequestStore } from "../core/ports";
import { recordDecision } from "../core/recorder";
import { useLocalRequestStore } from "../devkit/dynalite";
import { handleClose } from "../lambdas/close-request/index";
import { publishDecision } from "../lambdas/close-request/publish-decision";
import { startFakeEventBridge, type FakeEventBridge } from "../local/fake-eventbridge";
import { startFakeSns, type FakeSns } from "../local/fake-sns";
import { fakeCallbacks, seedRequest, type SeededRequest } from "./helpers/request-fixtures";
import { decide, startServeHarness, type ServeHarness } from "./helpers/serve-sandbox";

const REGION = "eu-west-1";
const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
const REQUESTER_TOPIC = "arn:aws:sns:eu-west-1:123456789012:payments-approvals";

describe("the Approval Decided event (close-request against a local EventBridge)", () => {
  let store: RequestStore;
  let bus: FakeEventBridge;
  let sns: FakeSns;
  let eventBridge: EventBridgeClient;
  let snsClient: SNSClient;
  useLocalRequestStore((local) => (store = local.store));
  before(async () => {
    bus = await startFakeEventBridge({ buses: ["deployments"] });
    sns = await startFakeSns({ topicArns: [REQUESTER_TOPIC] });
    eventBridge = new EventBridgeClient({
      endpoint: bus.endpoint,
      region: REGION,
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    snsClient = new SNSClient({ endpoint: sns.endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    eventBridge.destroy();
    snsClient.destroy();
    await bus.stop();
    await sns.stop();
  });

  const close = (requestId: string, delivery: DecidedDelivery = { eventBus: "deployments" }) =>
    handleClose(
      {
        store,
        releases: {},
        publish: (request) =>
          publishDecision({ store, delivery, eventBridge, sns: snsClient, retryDelayMs: 0 }, request),
      },
      { requestId },
    ) as Promise<ExecutionOutput>;

  const eventsOf = (requestId: string) =>
    bus.events.filter((event) => (event.detail as DecidedDetail).requestId === requestId);

  async function approvedRequest(
    input = { subject: "Deploy billing v2", requestedBy: "ci@example.com", change: "sha256:0f1e" },
  ) {
    const seeded: SeededRequest = await seedRequest(store, ["finance", "security"], 1, input);
    const outcome = await recordDecision(
      { store, callbacks: fakeCallbacks() },
      {
        askId: seeded.askIds.finance,
        decision: "approve",
        comment: "Numbers check out",
        decidedBy: "finance@example.com",
        channel: "link",
      },
    );
    assert.equal(outcome.kind, "recorded");
    return seeded;
  }

  it("closing a request puts one event on the stack's bus, with the documented source, detail-type and detail", async () => {
    const { requestId } = await approvedRequest();
    const output = await close(requestId);
    const [event, ...more] = eventsOf(requestId);
    assert.equal(more.length, 0, "one event");
    assert.equal(event.eventBus, "deployments");
    assert.equal(event.source, DECIDED_EVENT_SOURCE);
    assert.equal(event.detailType, DECIDED_DETAIL_TYPE);
    const record = (await store.getRequest(requestId))!;
    assert.deepEqual(event.resources, [record.executionArn]);
    assert.equal(event.time, record.closedAt);
    assert.deepEqual(event.detail, {
      version: "1",
      requestId,
      executionArn: record.executionArn,
      outcome: "approved",
      closeReason: "completed",
      stages: [{ name: "approval", outcome: "approved", quorum: 1 }],
      decisions: output.decisions,
      subject: "Deploy billing v2",
      requestedBy: "ci@example.com",
      change: "sha256:0f1e",
      openedAt: record.openedAt,
      closedAt: record.closedAt,
    });
    assert.equal((output.decisions[0] as { comment?: string }).comment, "Numbers check out");
    assert.ok(record.decisionEventSentAt !== undefined, "the record notes that it was sent");
  });

  it("closing the same request again (a retried task, the execution-end rule) sends nothing more", async () => {
    const { requestId } = await approvedRequest();
    const first = await close(requestId);
    assert.deepEqual(await close(requestId), first, "the close is idempotent");
    await close(requestId);
    assert.equal(eventsOf(requestId).length, 1);
  });

  it("a send EventBridge refuses does not fail the close and is not lost: the next close sends it, once", async () => {
    const { requestId } = await approvedRequest();
    bus.refuseNext(3, "ThrottlingException");
    const output = await close(requestId);
    assert.equal(output.outcome, "approved", "the close returned the outcome all the same");
    assert.equal(eventsOf(requestId).length, 0);
    assert.equal((await store.getRequest(requestId))!.decisionEventSentAt, undefined, "not noted as sent");
    await close(requestId);
    assert.equal(eventsOf(requestId).length, 1);
  });

  it("a refused entry is retried within the close: two refusals, then accepted, make one event", async () => {
    const { requestId } = await approvedRequest();
    bus.refuseNext(2, "InternalFailure");
    await close(requestId);
    assert.equal(eventsOf(requestId).length, 1);
  });

  it("a bus that does not exist: the close still returns the outcome", async () => {
    const { requestId } = await approvedRequest();
    const output = await close(requestId, { eventBus: "no-such-bus" });
    assert.equal(output.outcome, "approved");
    assert.equal(eventsOf(requestId).length, 0);
  });

  it("with a requester topic, the outcome is published there too, once, as the event's JSON", async () => {
    const { requestId } = await approvedRequest({
      subject: "Déployer la facturation v2",
      requestedBy: "ci",
      change: "c1",
    });
    const delivery = { eventBus: "deployments", requesterTopicArn: REQUESTER_TOPIC };
    await close(requestId, delivery);
    await close(requestId, delivery);
    const published = sns.outbox.filter((m) => m.topicArn === REQUESTER_TOPIC && m.message.includes(requestId));
    assert.equal(published.length, 1);
    const message = JSON.parse(published[0].message);
    assert.equal(message["detail-type"], DECIDED_DETAIL_TYPE);
    assert.deepEqual(message.detail, eventsOf(requestId)[0].detail, "the same detail as the event");
    assert.equal(
      published[0].subject,
      "Approval approved: D?ployer la facturation v2",
      "SNS takes ASCII subjects only",
    );
    assert.ok((await store.getRequest(requestId))!.requesterNotifiedAt !== undefined);
  });

  it(`the largest request (${MAX_APPROVERS} approvers, every comment at its cap) fits PutEvents' entry limit whole`, async () => {
    const approvers = Array.from({ length: MAX_APPROVERS }, (_, i) =>
      `approver-${String(i).padStart(2, "0")}`.padEnd(32, "z"),
    );
    const seeded = await seedRequest(store, approvers, MAX_APPROVERS, {
      subject: "€".repeat(200),
      requestedBy: "€".repeat(200),
      change: "€".repeat(200),
    });
    for (const approver of approvers) {
      await recordDecision(
        { store, callbacks: fakeCallbacks() },
        {
          askId: seeded.askIds[approver],
          decision: "approve",
          comment: '"\\\n€🚀'.repeat(300),
          decidedBy: `arn:aws:iam::123456789012:role/${"p".repeat(400)}`,
          channel: "link",
        },
      );
    }
    await close(seeded.requestId);
    const record = (await store.getRequest(seeded.requestId))!;
    const entry = decidedEntry(record, "deployments");
    assert.ok(entrySize(entry) <= MAX_EVENT_ENTRY_BYTES, `${entrySize(entry)} bytes`);
    const sent = eventsOf(seeded.requestId);
    assert.equal(sent.length, 1);
    const detail = sent[0].detail as DecidedDetail;
    assert.equal(detail.omitted, undefined, "nothing had to be left out");
    assert.equal(detail.decisions.length, MAX_APPROVERS);
  });

  it("a detail over the limit loses its comments first, then its decisions, and says so", async () => {
    const { requestId } = await approvedRequest();
    await close(requestId);
    const full = decidedDetailOf((await store.getRequest(requestId))!);
    const size = (detail: DecidedDetail) => Buffer.byteLength(JSON.stringify(detail));
    const withoutComments = fittedDetail(full, (json) => Buffer.byteLength(json) < size(full));
    assert.deepEqual(withoutComments.omitted, ["comments"]);
    assert.ok(withoutComments.decisions.every((d) => d.comment === undefined));
    assert.equal(withoutComments.decisions.length, full.decisions.length);
    const bare = fittedDetail(full, (json) => Buffer.byteLength(json) < size(withoutComments));
    assert.deepEqual(bare.omitted, ["comments", "decisions"]);
    assert.deepEqual(bare.decisions, []);
    assert.deepEqual(bare.stages, full.stages, "the stages' outcomes stay");
  });
});

describe("the Approval Decided event in the sandbox (the handler reaches the stand-in through AWS_ENDPOINT_URL_EVENTBRIDGE)", function () {
  this.timeout(60_000);
  let sandbox: ServeHarness;
  before(async () => (sandbox = await startServeHarness()));
  after(() => sandbox?.stop());

  const eventsFor = (executionArn: string) =>
    sandbox.server.decidedEvents.filter((event) => (event.detail as DecidedDetail).executionArn === executionArn);

  it("an approved request: one event, whose detail agrees with the execution output", async () => {
    await sandbox.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: sandbox.server.stateMachineArn,
        input: JSON.stringify({ subject: "Deploy v2", requestedBy: "alice", change: "sha256:beef" }),
      }),
    );
    const { execution, asked } = await sandbox.nextAsked();
    await decide(asked, "lead", "approve");
    await decide(asked, "finance", "approve", "ok");
    await execution.ended;
    const [event, ...more] = eventsFor(execution.executionArn);
    assert.equal(more.length, 0);
    const output = JSON.parse(execution.output!) as ExecutionOutput;
    const detail = event.detail as DecidedDetail;
    assert.equal(event.eventBus, "default");
    assert.deepEqual(
      {
        outcome: detail.outcome,
        subject: detail.subject,
        requestedBy: detail.requestedBy,
        change: detail.change,
        requestId: detail.requestId,
      },
      {
        outcome: "approved",
        subject: "Deploy v2",
        requestedBy: "alice",
        change: "sha256:beef",
        requestId: output.request.id,
      },
    );
    assert.deepEqual(detail.decisions, output.decisions);
    assert.deepEqual(
      detail.stages,
      output.stages.map(({ name, outcome, quorum }) => ({ name, outcome, quorum })),
    );
    // close-request run again, as a retry or the execution-end rule would: nothing more is sent.
    await sandbox.server.services.invoke("close-request", { requestId: output.request.id });
    assert.equal(eventsFor(execution.executionArn).length, 1);
  });

  it("a stopped request: one event, outcome undecided, closed as aborted", async () => {
    const started = await sandbox.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: sandbox.server.stateMachineArn,
        input: JSON.stringify({ subject: "Stop me" }),
      }),
    );
    await sandbox.nextAsked();
    await sandbox.sfn.send(new StopExecutionCommand({ executionArn: started.executionArn }));
    const [event, ...more] = eventsFor(started.executionArn!);
    assert.equal(more.length, 0);
    assert.deepEqual((({ outcome, closeReason }) => ({ outcome, closeReason }))(event.detail as DecidedDetail), {
      outcome: "undecided",
      closeReason: "aborted",
    });
  });
});
