/**
 * close-request and the iam channel (dynalite + fake SSM): closing a request stops the automations
 * still waiting for approvers who have not decided, and nothing else; stopping never fails the close.
 */
import { strict as assert } from "node:assert";
import { closeRequest } from "../lambdas/close-request/index";
import { startIamApproval } from "../lambdas/ssm-start/index";
import { ssmAutomations } from "../lambdas/shared/automations";
import { freshId } from "../lambdas/shared/ids";
import type { RequestStore } from "../lambdas/shared/store";
import { useLocalRequestStore } from "./helpers/dynalite";
import { FakeAutomationClient, namedError } from "./helpers/fake-automation-client";
import { openRequestRecord, T0 } from "./helpers/request-fixtures";

const DOCUMENT = "parallel-approval-dev-approval-ssm";

describe("close-request stops pending SSM automations (dynalite + fake SSM)", () => {
  let store: RequestStore;
  let ssm: FakeAutomationClient;

  useLocalRequestStore((local) => ({ store } = local));
  beforeEach(() => (ssm = new FakeAutomationClient(DOCUMENT)));

  /** security, finance and ops decide through SSM, legal through the link. */
  async function openMixedRequest(): Promise<{ requestId: string; executions: Record<string, string> }> {
    const requestId = freshId();
    const approvers = ["security", "finance", "ops", "legal"];
    await openRequestRecord(store, requestId, {
      approvers,
      quorum: 1,
      subject: "Open the firewall for the partner API",
    });
    const executions: Record<string, string> = {};
    for (const approver of ["security", "finance", "ops"]) {
      const started = await startIamApproval(
        {
          store,
          automations: ssmAutomations(ssm),
          documentName: DOCUMENT,
          automationRoleArn: "arn:aws:iam::123456789012:role/automation",
          now: () => T0,
        },
        {
          taskToken: `token-${approver}`,
          requestId,
          request: {
            id: requestId,
            subject: "Open the firewall for the partner API",
            approvers,
            quorum: 1,
            openedAt: T0.toISOString(),
          },
          approver: {
            name: approver,
            address: `arn:aws:iam::123456789012:role/${approver}`,
            topicArn: `arn:aws:sns:eu-west-1:123456789012:Automation-${approver}`,
          },
          timeoutSeconds: 3600,
        },
      );
      assert.ok(started.started);
      executions[approver] = started.automationExecutionId;
    }
    await store.putAsk({
      askId: freshId(),
      requestId,
      approver: "legal",
      address: "legal@example.com",
      channel: "link",
      taskToken: "token-legal",
      deadline: T0.toISOString(),
      createdAt: T0.toISOString(),
    });
    ssm.calls.length = 0;
    return { requestId, executions };
  }

  const stopped = () =>
    ssm.calls
      .filter((c) => c.operation === "StopAutomationExecution")
      .map((c) => c.input.AutomationExecutionId)
      .sort();

  it("stops the automations of iam approvers who have not decided, and only those", async () => {
    const { requestId, executions } = await openMixedRequest();
    // security approved (its automation ended); finance and ops are still waiting.
    ssm.decide(executions.security, "Approve", "arn:aws:iam::123456789012:role/security");
    await store.applyVote(requestId, "security", {
      decision: "approve",
      decidedAt: T0.toISOString(),
      decidedBy: "arn:aws:iam::123456789012:role/security",
      channel: "iam",
    });

    const output = await closeRequest({ store, automations: ssmAutomations(ssm), now: () => T0 }, { requestId });
    assert.equal(output.outcome, "approved");
    assert.deepEqual(stopped(), [executions.finance, executions.ops].sort());
    assert.equal(ssm.executions.get(executions.finance)?.AutomationExecutionStatus, "Cancelled");
    assert.equal(ssm.executions.get(executions.security)?.AutomationExecutionStatus, "Success");
  });

  it("treats automations that already ended as stopped, and closing again is harmless", async () => {
    const { requestId, executions } = await openMixedRequest();
    ssm.timeOut(executions.ops); // ended on its own, no vote recorded yet
    const deps = { store, automations: ssmAutomations(ssm), now: () => T0 };
    await closeRequest(deps, { requestId, failed: true });
    assert.deepEqual(stopped(), Object.values(executions).sort());
    ssm.calls.length = 0;
    const again = await closeRequest(deps, { requestId, failed: true });
    assert.deepEqual(
      again.decisions.map((d) => d.decision),
      ["none", "none", "none", "none"],
    );
  });

  it("a stop SSM refuses (after the SDK's own retries) is logged and the close still succeeds", async () => {
    const { requestId, executions } = await openMixedRequest();
    ssm.failures.push({
      operation: "StopAutomationExecution",
      error: namedError("ThrottlingException", "Rate exceeded"),
    });
    const output = await closeRequest(
      { store, automations: ssmAutomations(ssm), now: () => T0 },
      { requestId, failed: true },
    );
    assert.equal((await store.getRequest(requestId))?.status, "closed");
    assert.equal(output.request.id, requestId);
    const stillWaiting = Object.values(executions).filter(
      (id) => ssm.executions.get(id)?.AutomationExecutionStatus === "Waiting",
    );
    assert.equal(stillWaiting.length, 1, "the other two were stopped");
  });

  it("without iam approvers the close never calls SSM", async () => {
    const requestId = freshId();
    await openRequestRecord(store, requestId, { approvers: ["legal"], quorum: 1, subject: "Link only" });
    await store.putAsk({
      askId: freshId(),
      requestId,
      approver: "legal",
      address: "legal@example.com",
      channel: "link",
      taskToken: "t",
      deadline: T0.toISOString(),
      createdAt: T0.toISOString(),
    });
    await closeRequest({ store, automations: ssmAutomations(ssm), now: () => T0 }, { requestId, failed: true });
    assert.deepEqual(ssm.calls, []);
  });
});
