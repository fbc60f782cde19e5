/**
 * Executions that end without their close state (stopped, timed out, failed outside any Catch):
 * close-request, run as deployed, takes EventBridge's "Step Functions Execution Status Change"
 * event and closes the request, so its links show "closed", its task tokens are scrubbed and its
 * pending asks are released. An execution that never opened a record is ignored; a repeated event
 * changes nothing.
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
 */
import { strict as assert } from "node:assert";
import { EXECUTION_STATUS_CHANGE, STATES_EVENT_SOURCE, executionEndPattern } from "../core/execution-end";
import { requestIdFor } from "../core/ids";
import type { RequestStore } from "../core/ports";
import type { OpenRequestEvent } from "../core/payloads";
import { recordDecision } from "../core/recorder";
import { useLocalRequestStore } from "../devkit/dynalite";
import type { PendingAsk } from "../channels/release-types";
import { createHandler } from "../lambdas/approval-page/index";
import { handler as closeRequest, handleClose } from "../lambdas/close-request/index";
import { handler as openRequest } from "../lambdas/open-request/index";
import { askStage, fakeCallbacks, T0 } from "./helpers/request-fixtures";
import { decisionForm, getPage, postPage } from "./helpers/page-events";
import { pageText } from "./helpers/page-text";

const STATE_MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:approval";
let runs = 0;

function statusChange(executionArn: string, status: string, source = STATES_EVENT_SOURCE) {
  return {
    version: "0",
    id: "6e2a6e2e-0000-4000-8000-000000000000",
    "detail-type": EXECUTION_STATUS_CHANGE,
    source,
    account: "123456789012",
    time: "2030-01-01T00:20:00Z",
    region: "eu-west-1",
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn: STATE_MACHINE,
      name: executionArn.split(":").pop(),
      status,
      startDate: 1893456000000,
      stopDate: 1893457200000,
    },
  };
}

describe("closing a request whose execution ended without its close state", () => {
  let store: RequestStore;
  useLocalRequestStore((local) => (store = local.store));

  /** An open request of two approvers, both asked, opened by the deployed open-request handler. */
  async function openExecution(approvers = ["finance", "security"], quorum = 2) {
    const executionArn = `arn:aws:states:eu-west-1:123456789012:execution:approval:run-${++runs}`;
    const event: OpenRequestEvent = {
      input: { subject: "Deploy release 42" },
      executionArn,
      startedAt: T0.toISOString(),
      stages: [{ name: "approval", quorum, timeoutSeconds: 3600, approvers, advisors: [] }],
    };
    const { requestId } = await openRequest(event);
    const asks = await askStage(store, requestId, 0, approvers, { deadline: "2999-01-01T00:00:00.000Z" });
    return { executionArn, requestId, ...asks };
  }

  const page = () => createHandler({ store, callbacks: fakeCallbacks() });

  for (const [status, reason] of [
    ["ABORTED", "aborted"],
    ["TIMED_OUT", "timedOut"],
    ["FAILED", "failed"],
  ] as const) {
    it(`${status}: closes the request without an outcome, scrubs every token, and its links then show it closed`, async () => {
      const execution = await openExecution();
      await recordDecision(
        { store, callbacks: fakeCallbacks() },
        { askId: execution.askIds.finance, decision: "approve", channel: "link" },
      );
      const output = await closeRequest(statusChange(execution.executionArn, status));
      assert.ok(!("ignored" in output));
      assert.equal(output.outcome, undefined, "nothing was decided");
      assert.deepEqual(
        output.stages.map((s) => [s.name, s.outcome]),
        [["approval", "undecided"]],
      );
      assert.deepEqual(
        output.decisions.map((d) => [d.approver, d.decision]),
        [
          ["finance", "approve"],
          ["security", "none"],
        ],
      );
      const record = await store.getRequest(execution.requestId);
      assert.deepEqual([record?.status, record?.closeReason], ["closed", reason]);
      for (const approver of ["finance", "security"]) {
        assert.equal((await store.getAsk(execution.askIds[approver]))?.taskToken, undefined, `${approver}'s token`);
      }

      const shown = await page()(getPage(execution.askIds.security));
      assert.equal(shown.statusCode, 200);
      const text = pageText(shown.body);
      assert.ok(text.includes("This request is closed."), text);
      assert.ok(text.includes("Closed without an outcome"), text);
      assert.ok(!/<form/.test(shown.body ?? ""), "no form");
      const late = await page()(postPage(execution.askIds.security, decisionForm("approve")));
      assert.equal(late.statusCode, 409);
      assert.equal((await store.getRequest(execution.requestId))?.stages[0].votes.security, undefined);
    });
  }

  it("keeps an outcome the votes had already made certain", async () => {
    const execution = await openExecution();
    await recordDecision(
      { store, callbacks: fakeCallbacks() },
      { askId: execution.askIds.security, decision: "reject", channel: "link" },
    );
    const output = await closeRequest(statusChange(execution.executionArn, "ABORTED"));
    assert.ok(!("ignored" in output));
    assert.deepEqual([output.outcome, output.endedInStage], ["rejected", "approval"]);
  });

  it("is idempotent: a repeated event, or one after the workflow's own close, returns the same output and changes nothing", async () => {
    const execution = await openExecution();
    const first = await closeRequest(statusChange(execution.executionArn, "TIMED_OUT"));
    const closedAt = (await store.getRequest(execution.requestId))?.closedAt;
    assert.deepEqual(await closeRequest(statusChange(execution.executionArn, "TIMED_OUT")), first);
    assert.equal((await store.getRequest(execution.requestId))?.closedAt, closedAt);

    // "Close after failure" ran, then the execution failed: the FAILED event finds it closed.
    const failed = await openExecution();
    const closedByWorkflow = await closeRequest({ requestId: failed.requestId, reason: "failed" });
    assert.deepEqual(await closeRequest(statusChange(failed.executionArn, "FAILED")), closedByWorkflow);
    assert.equal((await store.getRequest(failed.requestId))?.closeReason, "failed");
  });

  it("ignores an execution that never opened a record (its input was invalid) and writes nothing", async () => {
    const executionArn = "arn:aws:states:eu-west-1:123456789012:execution:approval:never-opened";
    assert.deepEqual(await closeRequest(statusChange(executionArn, "FAILED")), {
      ignored: "no request record for this execution",
    });
    assert.equal(await store.getRequest(requestIdFor(executionArn)), undefined);
  });

  it("ignores statuses that need no close and events from other sources", async () => {
    const execution = await openExecution();
    for (const status of ["SUCCEEDED", "RUNNING", "PENDING_REDRIVE"]) {
      assert.deepEqual(await closeRequest(statusChange(execution.executionArn, status)), {
        ignored: `status ${status} needs no close`,
      });
    }
    const other = await closeRequest(statusChange(execution.executionArn, "ABORTED", "aws.ssm"));
    assert.ok("ignored" in other && /not an execution status change/.test(other.ignored));
    assert.equal((await store.getRequest(execution.requestId))?.status, "open");
  });

  it("releases each undecided ask through its channel, best effort: a release that fails does not fail the close", async () => {
    const execution = await openExecution(["finance", "security", "legal"], 3);
    await recordDecision(
      { store, callbacks: fakeCallbacks() },
      { askId: execution.askIds.finance, decision: "approve", channel: "link" },
    );
    const released: PendingAsk[] = [];
    const releases = {
      link: {
        async release(ask: PendingAsk) {
          released.push(ask);
          if (ask.approver === "legal") throw new Error("service unavailable");
          return "stopped";
        },
      },
    };
    const output = await handleClose({ store, releases }, statusChange(execution.executionArn, "ABORTED"));
    assert.ok(!("ignored" in output));
    assert.deepEqual(released.map((a) => [a.approver, a.stage, a.askId]).sort(), [
      ["legal", 0, execution.askIds.legal],
      ["security", 0, execution.askIds.security],
    ]);
    assert.equal((await store.getRequest(execution.requestId))?.status, "closed");
  });

  it("the EventBridge rule's pattern matches exactly this state machine's ABORTED, TIMED_OUT and FAILED changes", () => {
    assert.deepEqual(executionEndPattern(STATE_MACHINE), {
      source: ["aws.states"],
      "detail-type": ["Step Functions Execution Status Change"],
      detail: { stateMachineArn: [STATE_MACHINE], status: ["ABORTED", "TIMED_OUT", "FAILED"] },
    });
  });
});
