/**
 * One stage (what a flat config builds) executed locally: the definition run by the local runner
 * with the real handlers against dynalite, decisions made on the real approval page. The request
 * lifecycle of DESIGN.md end to end: quorum, rejection, deadlines, unreachable approvers, input
 * errors, throttling, technical failure, and an execution stopped from outside.
 */
import { strict as assert } from "node:assert";
import { ProvisionedThroughputExceededException, ThrottlingException } from "@aws-sdk/client-dynamodb";
import { INVALID_INPUT_ERROR, WORKFLOW_FAILED_ERROR } from "../core/errors";
import { requestIdFor } from "../core/ids";
import type { ExecutionOutput } from "../core/model";
import type { RequestStore } from "../core/ports";
import { EXECUTION_STATUS_CHANGE, STATES_EVENT_SOURCE } from "../core/execution-end";
import { useLocalRequestStore } from "../devkit/dynalite";
import { handleClose } from "../lambdas/close-request/index";
import type { LocalExecution } from "../local/state-machine-runner";
import { LocalApprovalWorkflow, linkStage, topicArnOf } from "./helpers/local-approval-workflow";
import { pageText } from "./helpers/page-text";

const TRIO = ["finance", "security", "legal"];

describe("one-stage workflow, executed locally with the real handlers", () => {
  let store: RequestStore;
  useLocalRequestStore((local) => (store = local.store));

  const started: LocalExecution[] = [];
  afterEach(() => {
    for (const execution of started.splice(0)) execution.abort();
  });

  function start(approvers: string[], quorum = approvers.length, timeoutSeconds = 3600, input?: unknown) {
    const workflow = new LocalApprovalWorkflow(store);
    const execution = workflow.start([linkStage("approval", approvers, quorum, timeoutSeconds)], input);
    started.push(execution);
    return { workflow, execution };
  }

  async function succeeded(execution: LocalExecution): Promise<ExecutionOutput> {
    const result = await execution.result;
    assert.equal(result.status, "SUCCEEDED", `execution ended ${result.status}: ${result.error} ${result.cause}`);
    const output = result.output as ExecutionOutput;
    const keys = [
      "decisions",
      ...(output.outcome === "approved" ? [] : ["endedInStage"]),
      "outcome",
      "request",
      "stages",
    ];
    assert.deepEqual(Object.keys(output).sort(), keys, "endedInStage only when not approved");
    return output;
  }

  const decisionsOf = (output: ExecutionOutput) => output.decisions.map((d) => [d.approver, d.decision]);

  function assertTaskGone(workflow: LocalApprovalWorkflow, approver: string) {
    const token = workflow
      .invocationsOf("notify-approver")
      .filter((i) => i.payload.approver.name === approver)
      .pop()?.payload.taskToken;
    assert.throws(() => workflow.registry.sendTaskSuccess(token, {}), { name: "TaskTimedOut" }, approver);
  }

  it("approves when every approver approves, in N + 3 state transitions", async () => {
    const { workflow, execution } = start(TRIO);
    await workflow.untilEmailed(3);
    for (const name of TRIO) assert.equal((await workflow.decide(name, 0, "approve")).statusCode, 200);

    const output = await succeeded(execution);
    assert.equal(output.outcome, "approved");
    assert.deepEqual(decisionsOf(output), [
      ["finance", "approve"],
      ["security", "approve"],
      ["legal", "approve"],
    ]);
    assert.ok(output.decisions.every((d) => d.stage === "approval" && d.channel === "link"));
    assert.equal(output.request.subject, "Deploy v2");
    assert.deepEqual(output.request.approvers, TRIO);
    assert.equal(output.request.quorum, 3, "a one-stage request keeps its quorum in the summary");
    assert.ok(output.request.closedAt);
    // Open request, the stage's Parallel, 3 asks, Close request.
    assert.equal((await execution.result).transitions, 3 + 3);
  });

  it("opens the record for its execution and gives each approver the request, its own token and its deadline", async () => {
    const { workflow, execution } = start(["finance", "security"], 1, 120);
    await workflow.untilEmailed(2);
    const [open] = workflow.invocationsOf("open-request");
    assert.equal(open.payload.executionArn, execution.executionArn);
    assert.deepEqual(open.payload.input, { subject: "Deploy v2", details: "to prod" });
    const requestId = requestIdFor(execution.executionArn);
    const asks = workflow.invocationsOf("notify-approver").map((i) => i.payload);
    assert.deepEqual(asks.map((a) => a.approver.name).sort(), ["finance", "security"]);
    assert.ok(asks.every((a) => a.requestId === requestId && a.timeoutSeconds === 120));
    assert.ok(asks.every((a) => a.request.subject === "Deploy v2" && a.stage.count === 1));
    assert.notEqual(asks[0].taskToken, asks[1].taskToken);
    const record = await store.getRequest(requestId);
    for (const name of ["finance", "security"]) {
      const ask = await store.getAsk(record!.stages[0].asks[name].askId);
      assert.ok(Date.parse(ask!.deadline) - Date.parse(ask!.createdAt) === 120_000, `${name}'s deadline`);
      assert.equal(ask!.taskToken, asks.find((a) => a.approver.name === name).taskToken);
    }
    await workflow.decide("security", 0, "approve");
    assert.equal((await succeeded(execution)).outcome, "approved");
  });

  it("rejects at once when one approver rejects and all must approve; the other tasks stop waiting", async () => {
    const { workflow, execution } = start(TRIO);
    await workflow.untilEmailed(3);
    const page = pageText((await workflow.decide("security", 0, "reject")).body);
    assert.ok(page.includes("This made approval impossible: the request is rejected."), page);

    const output = await succeeded(execution);
    assert.equal(output.outcome, "rejected");
    assert.equal(output.endedInStage, "approval");
    assert.deepEqual(decisionsOf(output), [
      ["finance", "none"],
      ["security", "reject"],
      ["legal", "none"],
    ]);
    assertTaskGone(workflow, "finance");
    assertTaskGone(workflow, "legal");
    assert.deepEqual(workflow.registry.waiting(), []);
    assert.equal(workflow.invocationsOf("record-expiry").length, 0);
  });

  it("approves as soon as 2 of 3 approve, without the third", async () => {
    const { workflow, execution } = start(TRIO, 2);
    await workflow.untilEmailed(3);
    await workflow.decide("finance", 0, "approve");
    await workflow.decide("legal", 0, "approve");
    const output = await succeeded(execution);
    assert.equal(output.outcome, "approved");
    assert.deepEqual(decisionsOf(output), [
      ["finance", "approve"],
      ["security", "none"],
      ["legal", "approve"],
    ]);
    assertTaskGone(workflow, "security");
  });

  it("rejects once the quorum can no longer be reached", async () => {
    const { workflow, execution } = start(TRIO, 2);
    await workflow.untilEmailed(3);
    await workflow.decide("finance", 0, "reject");
    await workflow.decide("security", 0, "approve");
    await workflow.decide("legal", 0, "reject");
    const output = await succeeded(execution);
    assert.equal(output.outcome, "rejected");
    assert.deepEqual(decisionsOf(output), [
      ["finance", "reject"],
      ["security", "approve"],
      ["legal", "reject"],
    ]);
  });

  it("expires when a deadline passes and the quorum becomes unreachable: record-expiry ends the stage", async () => {
    const { workflow, execution } = start(["finance", "security"], 2, 1);
    await workflow.untilEmailed(2);
    await workflow.decide("finance", 0, "approve");
    const output = await succeeded(execution);
    assert.equal(output.outcome, "expired");
    assert.deepEqual(decisionsOf(output), [
      ["finance", "approve"],
      ["security", "expired"],
    ]);
    assert.equal(output.decisions[1].channel, "deadline");
    assert.deepEqual(
      workflow.invocationsOf("record-expiry").map((i) => [i.payload.approver, i.error]),
      [["security", "Approval.Expired"]],
      "only the silent approver expires, and their expiry throws the signal",
    );
  });

  it("an expiry that leaves the quorum reachable ends only its own branch", async () => {
    const { workflow, execution } = start(TRIO, 1, 1);
    const output = await succeeded(execution);
    assert.equal(output.outcome, "expired");
    const expiries = workflow.invocationsOf("record-expiry");
    assert.deepEqual(expiries.map((i) => i.error ?? (i.result as { signal: string }).signal).sort(), [
      "Approval.Expired",
      "none",
      "none",
    ]);
  });

  it("stays approved when the deciding vote's callback was lost and then the deadlines pass", async () => {
    const { workflow, execution } = start(["finance", "security"], 1, 1);
    await workflow.untilEmailed(2);
    workflow.callbackOutage.calls = 1;
    const page = pageText((await workflow.decide("finance", 0, "approve")).body);
    assert.ok(page.includes("Your approval was recorded. The workflow will pick it up."), page);

    const output = await succeeded(execution);
    assert.equal(output.outcome, "approved");
    assert.deepEqual(output.decisions[0].decision, "approve");
    const byApprover = Object.fromEntries(
      workflow.invocationsOf("record-expiry").map((i) => [i.payload.approver, i.error ?? "none"]),
    );
    // The approver's own no-decision task hands the workflow the signal the lost callback carried.
    assert.equal(byApprover.finance, "Approval.QuorumReached");
    assert.ok(!["approve", "reject"].includes(output.decisions[1].decision));
  });

  for (const [label, input, cause] of [
    ["has no subject", { details: "no subject" }, /subject is required/],
    ["has a subject that is not a string", { subject: 42 }, /subject must be a string/],
    ["has a blank subject", { subject: "   " }, /subject must not be empty/],
    ["has an unknown field", { subject: "s", reviewURL: "https://example.com" }, /unknown field reviewURL/],
    ["has an escape sequence in the subject", { subject: "ok\u001b[2K" }, /control characters/],
  ] as const) {
    it(`fails with ${INVALID_INPUT_ERROR}, unretried, and asks nobody when the input ${label}`, async () => {
      const { workflow, execution } = start(["finance"], 1, 3600, input);
      const result = await execution.result;
      assert.equal(result.status, "FAILED");
      assert.equal(result.error, INVALID_INPUT_ERROR);
      assert.match(result.cause ?? "", cause);
      assert.deepEqual(
        workflow.invocations.map((i) => i.key),
        ["open-request"],
      );
      assert.equal(await store.getRequest(requestIdFor(execution.executionArn)), undefined, "no record");
    });
  }

  it("retries a throttled Lambda and a throttled channel on the ask, counting each retry as a transition", async () => {
    const workflow = new LocalApprovalWorkflow(store);
    workflow.failNext("notify-approver", "Lambda.TooManyRequestsException");
    workflow.failNext("notify-approver", "Approval.ChannelThrottled");
    const execution = workflow.start([linkStage("approval", ["finance"])]);
    started.push(execution);
    await workflow.untilEmailed(1);
    assert.equal(workflow.invocationsOf("notify-approver").length, 3);
    assert.equal(workflow.emails.length, 1, "emailed once");
    const firstToken = workflow.invocationsOf("notify-approver")[0].payload.taskToken;
    assert.throws(() => workflow.registry.sendTaskSuccess(firstToken, {}), { name: "TaskTimedOut" });
    await workflow.decide("finance", 0, "approve");
    assert.equal((await succeeded(execution)).outcome, "approved");
    assert.equal((await execution.result).transitions, 1 + 3 + 2);
  });

  it("retries the ask when the request store is throttled (DynamoDB errors as the SDK throws them, twice), then completes approved", async () => {
    // The store's errors escape notify-approver with the SDK's names; the definition's
    // SDK_THROTTLED_RETRY matches them (without it the execution failed with the first).
    const throttles: Error[] = [
      new ThrottlingException({ message: "Throughput exceeds the current capacity of your table", $metadata: {} }),
      new ProvisionedThroughputExceededException({
        message: "The level of configured throughput was exceeded",
        $metadata: {},
      }),
    ];
    const throttled = new Proxy(store, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property !== "putAsk") return typeof value === "function" ? value.bind(target) : value;
        return async (...args: Parameters<RequestStore["putAsk"]>) => {
          const error = throttles.shift();
          if (error !== undefined) throw error;
          return target.putAsk(...args);
        };
      },
    });
    const workflow = new LocalApprovalWorkflow(throttled);
    const execution = workflow.start([linkStage("approval", ["finance"])]);
    started.push(execution);
    await Promise.race([
      workflow.untilEmailed(1),
      execution.result.then((r) => assert.fail(`the execution ended ${r.status} (${r.error}) before any email`)),
    ]);
    assert.deepEqual(
      workflow.invocationsOf("notify-approver").map((i) => i.error),
      ["ThrottlingException", "ProvisionedThroughputExceededException", undefined],
    );
    assert.equal(workflow.emails.length, 1, "emailed once, after the store took the ask");
    await workflow.decide("finance", 0, "approve");
    const output = await succeeded(execution);
    assert.equal(output.outcome, "approved");
    assert.deepEqual(decisionsOf(output), [["finance", "approve"]]);
  });

  it("an approver with no confirmed email subscription is not asked, is recorded unreachable, and ends the stage at once when it must", async () => {
    const workflow = new LocalApprovalWorkflow(store);
    workflow.unreachable.add("security");
    const execution = workflow.start([linkStage("approval", ["finance", "security"])]);
    started.push(execution);

    // Every approver is needed, and the stage waits an hour: only the early end lets this finish.
    const output = await succeeded(execution);
    assert.equal(output.outcome, "expired");
    const entry = output.decisions.find((d) => d.approver === "security");
    assert.equal(entry?.decision, "unreachable");
    assert.match(entry?.reason ?? "", /^security has no confirmed email subscription/);
    assert.ok(!workflow.emails.some((e) => e.topicArn === topicArnOf("security")), "security was sent nothing");
    assert.deepEqual(
      workflow.invocationsOf("record-expiry").map((i) => [i.payload.approver, i.payload.error.Error, i.error]),
      [["security", "Approval.Unreachable", "Approval.Expired"]],
    );
  });

  it("an unreachable approver who is not needed does not stop the others from approving", async () => {
    const workflow = new LocalApprovalWorkflow(store);
    workflow.unreachable.add("legal");
    const execution = workflow.start([linkStage("approval", TRIO, 2)]);
    started.push(execution);
    await workflow.untilEmailed(2);
    await workflow.decide("finance", 0, "approve");
    await workflow.decide("security", 0, "approve");
    const output = await succeeded(execution);
    assert.equal(output.outcome, "approved");
    assert.deepEqual(decisionsOf(output), [
      ["finance", "approve"],
      ["security", "approve"],
      ["legal", "unreachable"],
    ]);
  });

  it(`closes the request and fails with ${WORKFLOW_FAILED_ERROR} when a branch fails for a technical reason`, async () => {
    const workflow = new LocalApprovalWorkflow(store);
    workflow.failNext("record-expiry", "Approval.RequestNotFound");
    const execution = workflow.start([linkStage("approval", ["finance"], 1, 1)]);
    started.push(execution);
    const result = await execution.result;
    assert.equal(result.status, "FAILED");
    assert.equal(result.error, WORKFLOW_FAILED_ERROR);
    assert.match(result.cause ?? "", /Approval\.RequestNotFound/);
    const requestId = requestIdFor(execution.executionArn);
    assert.deepEqual(
      workflow.invocationsOf("close-request").map((i) => i.payload),
      [{ requestId, reason: "failed" }],
    );
    const record = await store.getRequest(requestId);
    assert.deepEqual([record?.status, record?.closeReason, record?.outcome], ["closed", "failed", undefined]);
  });

  it("an execution stopped from outside is closed by its status-change event: the link shows closed, tokens are scrubbed", async () => {
    const { workflow, execution } = start(["finance", "security"]);
    await workflow.untilEmailed(2);
    await workflow.decide("finance", 0, "approve");
    execution.abort();
    assert.equal((await execution.result).status, "ABORTED");
    const event = {
      source: STATES_EVENT_SOURCE,
      "detail-type": EXECUTION_STATUS_CHANGE,
      detail: { executionArn: execution.executionArn, status: "ABORTED", stateMachineArn: "arn:aws:states:::sm" },
    };

    const output = await handleClose({ store, releases: {} }, event);
    assert.ok(!("ignored" in output) && output.outcome === undefined, "no outcome: nothing was decided");
    const record = await store.getRequest(requestIdFor(execution.executionArn));
    assert.deepEqual([record?.status, record?.closeReason], ["closed", "aborted"]);
    for (const name of ["finance", "security"]) {
      assert.equal((await store.getAsk(workflow.linkOf(name, 0)))?.taskToken, undefined, `${name}'s token scrubbed`);
    }
    const page = pageText((await workflow.view("security", 0)).body);
    assert.ok(page.includes("This request is closed."), page);
    assert.deepEqual(await handleClose({ store, releases: {} }, event), output, "a repeated event changes nothing");
  });
});
