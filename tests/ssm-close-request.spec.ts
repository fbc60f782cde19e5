/**
 * close-request and the iam channel (dynalite + fake SSM): closing a request stops the automations
 * still waiting for approvers who gave no verdict (undecided, or past the workflow's deadline), and
 * nothing else; stopping never fails the
 * close. The same close runs when EventBridge reports that the execution was stopped, timed out or
 * failed ("Step Functions Execution Status Change"), so those requests close too.
 */
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { iamRelease, iamReleaseThrough } from "../channels/iam/release";
import { RELEASES } from "../channels/release";
import { countingOf } from "../core/recorder";
import type { RequestStore } from "../core/ports";
import { useLocalRequestStore } from "../devkit/dynalite";
import { handleClose, type CloseDeps } from "../lambdas/close-request/index";
import { ssmAutomations } from "../lambdas/adapters/ssm-automations";
import { startIamApproval } from "../lambdas/ssm-start/index";
import { FakeAutomationClient, namedError } from "./helpers/fake-automation-client";
import {
  askEventFor,
  captureLogLines,
  executionArnOf,
  iamApprover,
  openStagedRequest,
  principalOf,
  T0,
  type OpenedRequest,
} from "./helpers/iam-requests";

const DOCUMENT = "parallel-approval-dev-approval-ssm-63b8e0e1";
const IAM_APPROVERS = ["security", "finance", "ops"];

/** The event Step Functions sends to the default bus (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html). */
function executionStatusChange(executionArn: string, status: string) {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    account: "123456789012",
    time: "2030-01-01T01:00:00Z",
    region: "eu-west-1",
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:approval-workflow-0a1b2c3",
      name: executionArn.split(":").pop(),
      status,
      startDate: 1893456000000,
      stopDate: 1893459600000,
      input: "{}",
      output: null,
      inputDetails: { included: true },
      outputDetails: { included: true },
    },
  };
}

describe("close-request stops pending SSM automations (dynalite + fake SSM)", () => {
  let store: RequestStore;
  let ssm: FakeAutomationClient;
  let deps: CloseDeps;

  useLocalRequestStore((local) => ({ store } = local));
  beforeEach(() => {
    ssm = new FakeAutomationClient(DOCUMENT);
    deps = { store, releases: { iam: iamReleaseThrough(() => ssmAutomations(ssm)) }, now: () => T0 };
  });

  interface MixedRequest {
    opened: OpenedRequest;
    requestId: string;
    executions: Record<string, string>;
  }

  /** security, finance and ops decide through SSM, legal through the link; quorum 1. */
  async function openMixedRequest(): Promise<MixedRequest> {
    const opened = await openStagedRequest(
      store,
      [{ name: "approval", approvers: [...IAM_APPROVERS, "legal"], quorum: 1 }],
      { subject: "Open the firewall for the partner API" },
    );
    const executions: Record<string, string> = {};
    for (const approver of IAM_APPROVERS) {
      const started = await startIamApproval(
        {
          store,
          automations: ssmAutomations(ssm),
          documentName: DOCUMENT,
          automationRoleArn: "arn:aws:iam::123456789012:role/automation",
          now: () => T0,
        },
        askEventFor(opened, 0, iamApprover(approver)),
      );
      assert.ok(started.started);
      executions[approver] = started.automationExecutionId;
    }
    const link = await store.putAsk({
      requestId: opened.requestId,
      stage: 0,
      approver: "legal",
      address: "legal@example.com",
      channel: "link",
      taskToken: "token-legal",
      deadline: new Date(T0.getTime() + 3_600_000).toISOString(),
      createdAt: T0.toISOString(),
    });
    assert.equal(link.kind, "stored");
    ssm.calls.length = 0;
    return { opened, requestId: opened.requestId, executions };
  }

  const stopped = () =>
    ssm.calls
      .filter((c) => c.operation === "StopAutomationExecution")
      .map((c) => c.input.AutomationExecutionId)
      .sort();

  async function approveThroughSsm(requestId: string, approver: string, execution: string): Promise<void> {
    ssm.decide(execution, "Approve", principalOf(approver));
    const request = (await store.getRequest(requestId))!;
    const target = { requestId, stage: 0, approver };
    const applied = await store.applyVote(
      target,
      { decision: "approve", decidedAt: T0.toISOString(), decidedBy: principalOf(approver), channel: "iam" },
      countingOf(request, target),
    );
    assert.equal(applied.kind, "applied");
  }

  const tokensLeft = async (requestId: string) => {
    const request = (await store.getRequest(requestId))!;
    const asks = await Promise.all(Object.values(request.stages[0].asks).map((ref) => store.getAsk(ref.askId)));
    return asks.filter((ask) => ask?.taskToken !== undefined).map((ask) => ask!.approver);
  };

  it("stops the automations of iam approvers who have not decided, and only those", async () => {
    const { requestId, executions } = await openMixedRequest();
    // security approved (its automation ended); finance and ops are still waiting.
    await approveThroughSsm(requestId, "security", executions.security);

    const output = await handleClose(deps, { requestId });
    assert.ok("outcome" in output);
    assert.equal(output.outcome, "approved");
    assert.deepEqual(stopped(), [executions.finance, executions.ops].sort());
    assert.equal(ssm.statusOf(executions.finance), "Cancelled");
    assert.equal(ssm.statusOf(executions.ops), "Cancelled");
    assert.equal(ssm.statusOf(executions.security), "Success");
  });

  it("also stops the automation of an iam approver whose workflow deadline passed first (its own step may wait longer)", async () => {
    const { requestId, executions } = await openMixedRequest();
    // The state machine's timer recorded ops as expired; SSM's approve step (timed to the longest stage) still waits.
    const request = (await store.getRequest(requestId))!;
    const target = { requestId, stage: 0, approver: "ops" };
    const expired = await store.applyVote(
      target,
      {
        decision: "expired",
        reason: "the deadline passed",
        decidedAt: T0.toISOString(),
        decidedBy: "deadline",
        channel: "deadline",
      },
      countingOf(request, target),
    );
    assert.equal(expired.kind, "applied");

    await handleClose(deps, { requestId, reason: "failed" });
    assert.deepEqual(stopped(), [executions.finance, executions.ops, executions.security].sort());
    assert.equal(ssm.statusOf(executions.ops), "Cancelled");
  });

  it("removes every ask's task token, whatever its channel", async () => {
    const { requestId } = await openMixedRequest();
    assert.deepEqual((await tokensLeft(requestId)).sort(), ["finance", "legal", "ops", "security"]);
    await handleClose(deps, { requestId, reason: "failed" });
    assert.deepEqual(await tokensLeft(requestId), []);
  });

  it("treats automations that already ended as stopped, and closing again changes nothing", async () => {
    const { requestId, executions } = await openMixedRequest();
    ssm.timeOut(executions.ops); // ended on its own, no vote recorded yet
    const first = await handleClose(deps, { requestId, reason: "failed" });
    assert.deepEqual(stopped(), Object.values(executions).sort());
    const closed = await store.getRequest(requestId);
    assert.equal(closed?.closeReason, "failed");

    const again = await handleClose({ ...deps, now: () => new Date(T0.getTime() + 60_000) }, { requestId });
    assert.deepEqual(again, first);
    const after = await store.getRequest(requestId);
    assert.equal(after?.closedAt, closed?.closedAt);
    assert.equal(after?.closeReason, "failed");
    for (const id of Object.values(executions)) assert.notEqual(ssm.statusOf(id), "Waiting");
  });

  it("a stop SSM refuses (after the SDK's own retries) is logged and the close still succeeds", async () => {
    const { requestId, executions } = await openMixedRequest();
    ssm.failures.push({
      operation: "StopAutomationExecution",
      error: namedError("ThrottlingException", "Rate exceeded"),
    });
    const { result, lines } = await captureLogLines(() => handleClose(deps, { requestId, reason: "failed" }), "error");
    assert.ok(result && "request" in result);
    assert.equal(result.request.id, requestId);
    assert.equal((await store.getRequest(requestId))?.status, "closed");
    const stillWaiting = Object.values(executions).filter((id) => ssm.statusOf(id) === "Waiting");
    assert.equal(stillWaiting.length, 1, "the other two were stopped");
    const logged = lines.find((line) => line.message === "could not release a pending ask");
    assert.equal(logged?.channel, "iam");
    assert.match(JSON.stringify(logged?.error), /ThrottlingException/);
  });

  it("without iam approvers the close never calls SSM", async () => {
    const opened = await openStagedRequest(store, [{ name: "approval", approvers: ["legal"] }], {
      subject: "Link only",
    });
    await store.putAsk({
      requestId: opened.requestId,
      stage: 0,
      approver: "legal",
      address: "legal@example.com",
      channel: "link",
      taskToken: "t",
      deadline: T0.toISOString(),
      createdAt: T0.toISOString(),
    });
    await handleClose(deps, { requestId: opened.requestId, reason: "failed" });
    assert.deepEqual(ssm.calls, []);
  });

  it("an iam ask whose automation was never recorded is released without calling SSM", async () => {
    assert.equal(
      await iamReleaseThrough(() => ssmAutomations(ssm)).release({
        askId: "a",
        channel: "iam",
        deadline: T0.toISOString(),
        stage: 0,
        approver: "security",
      }),
      "noAutomation",
    );
    assert.deepEqual(ssm.calls, []);
  });

  it("the registry releases iam asks with the iam release and has nothing to do for links", () => {
    assert.equal(RELEASES.iam, iamRelease);
    assert.equal(RELEASES.link, undefined);
  });

  describe("an execution that ended without its close state (EventBridge)", () => {
    /** Same request, but opened for an execution ARN the event can name. */
    async function openForExecution(): Promise<MixedRequest & { executionArn: string }> {
      const request = await openMixedRequest();
      return { ...request, executionArn: request.opened.executionArn };
    }

    const cases: Array<[string, string]> = [
      ["ABORTED", "aborted"],
      ["TIMED_OUT", "timedOut"],
      ["FAILED", "failed"],
    ];
    for (const [status, reason] of cases) {
      it(`${status}: closes the request (reason ${reason}), stops its automations and removes its tokens`, async () => {
        const { requestId, executions, executionArn } = await openForExecution();
        const output = await handleClose(deps, executionStatusChange(executionArn, status));
        assert.ok("stages" in output);
        assert.equal(output.outcome, undefined, "no outcome: nobody decided");
        assert.equal(output.stages[0].outcome, "undecided");
        const record = await store.getRequest(requestId);
        assert.equal(record?.status, "closed");
        assert.equal(record?.closeReason, reason);
        assert.deepEqual(stopped(), Object.values(executions).sort());
        assert.deepEqual(await tokensLeft(requestId), []);
      });
    }

    it("an aborted execution keeps the decisions made before it stopped, and claims no outcome for the request", async () => {
      const { requestId, executions, executionArn } = await openForExecution();
      await approveThroughSsm(requestId, "security", executions.security);
      const output = await handleClose(deps, executionStatusChange(executionArn, "ABORTED"));
      assert.ok("stages" in output);
      assert.equal(output.outcome, undefined, "the workflow did not complete");
      assert.equal(output.stages[0].outcome, "approved", "what the votes decided");
      assert.deepEqual(
        output.decisions.map((d) => [d.approver, d.decision]),
        [
          ["security", "approve"],
          ["finance", "none"],
          ["ops", "none"],
          ["legal", "none"],
        ],
      );
      assert.deepEqual(stopped(), [executions.finance, executions.ops].sort());
      assert.equal((await store.getRequest(requestId))?.closeReason, "aborted");
    });

    it("an event after the workflow's own close changes nothing", async () => {
      const { requestId, executionArn } = await openForExecution();
      await handleClose(deps, { requestId, reason: "failed" });
      ssm.calls.length = 0;
      await handleClose(deps, executionStatusChange(executionArn, "FAILED"));
      const record = await store.getRequest(requestId);
      assert.equal(record?.closeReason, "failed");
      assert.ok(!ssm.calls.some((call) => call.operation !== "StopAutomationExecution"));
    });

    for (const status of ["SUCCEEDED", "RUNNING"]) {
      it(`${status}: ignored, the request stays as it is`, async () => {
        const { requestId, executionArn } = await openForExecution();
        assert.deepEqual(await handleClose(deps, executionStatusChange(executionArn, status)), {
          ignored: `status ${status} needs no close`,
        });
        assert.equal((await store.getRequest(requestId))?.status, "open");
        assert.deepEqual(ssm.calls, []);
      });
    }

    it("an execution that failed before opening its record (invalid input): nothing to close", async () => {
      assert.deepEqual(await handleClose(deps, executionStatusChange(executionArnOf(), "FAILED")), {
        ignored: "no request record for this execution",
      });
    });

    it("an event of another service or without an execution ARN: ignored", async () => {
      const { requestId, executionArn } = await openForExecution();
      const event = executionStatusChange(executionArn, "ABORTED");
      assert.equal("ignored" in (await handleClose(deps, { ...event, source: "aws.ssm" })), true, "another source");
      assert.equal(
        "ignored" in (await handleClose(deps, { ...event, detail: { ...event.detail, executionArn: undefined } })),
        true,
        "no execution ARN",
      );
      assert.equal((await store.getRequest(requestId))?.status, "open");
    });
  });
});
