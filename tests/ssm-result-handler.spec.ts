/**
 * ssm-result (iam channel) against dynalite, a fake SSM client and a recording Step Functions
 * client, fed the EventBridge event SSM documents for "EC2 Automation Step Status-change
 * Notification": one case per final status, what a step's outputs decide together with its
 * status, what must be ignored, what must be harmless, and what must throw so that the event is
 * retried (and, after Lambda's retries, dead-lettered).
 *
 * What AWS documents about an ended aws:approve step, which these cases follow (see
 * lambdas/ssm-result/step-outcome.ts):
 *  - step statuses Success, Failed, TimedOut, Cancelled
 *    https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-statuses.html
 *  - outputs ApprovalStatus (Approved | Rejected | Waiting) and ApproverDecisions (a MapList, each
 *    map a JSON string in the SDK) https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-approve.html
 *  - StepExecution.FailureMessage "explains why" a step failed
 *    https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_StepExecution.html
 *  - the event's shape https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html
 * Not documented: the keys inside an ApproverDecisions map, whether a rejection ends the step
 * Failed and with which message, which outputs remain after a timeout or cancellation. So every
 * combination is tested, including outputs that are missing and outputs that contradict the status.
 */
import { strict as assert } from "node:assert";
import { freshId } from "../core/ids";
import type { RequestRecord } from "../core/model";
import type { RequestStore } from "../core/ports";
import { useLocalRequestStore } from "../devkit/dynalite";
import { sfnTaskCallbacks } from "../lambdas/adapters/callbacks";
import { ssmAutomations } from "../lambdas/adapters/ssm-automations";
import { recordExpiry } from "../lambdas/record-expiry/index";
import { recordAutomationResult, type SsmResultDeps } from "../lambdas/ssm-result/index";
import { parseStepStatusEvent } from "../lambdas/ssm-result/parse-automation-event";
import {
  approverDecisionsOf,
  stepOutcomeOf,
  type AutomationExecutionView,
  type StepExecutionView,
} from "../lambdas/ssm-result/step-outcome";
import { startIamApproval } from "../lambdas/ssm-start/index";
import { FakeAutomationClient, namedError, stepStatusEvent } from "./helpers/fake-automation-client";
import {
  askEventFor,
  captureLogLines,
  iamApprover,
  MINUTE_MS,
  openStagedRequest,
  principalOf,
  RecordingStepFunctions,
  sessionOf,
  T0,
  type OpenedRequest,
} from "./helpers/iam-requests";

const DOCUMENT = "parallel-approval-dev-approval-ssm-63b8e0e1";
const AUTOMATION_ROLE = "arn:aws:iam::123456789012:role/approval-ssm-automation-role";
const STAGE = "approval";

interface OpenedIamRequest {
  opened: OpenedRequest;
  requestId: string;
  tokens: Record<string, string>;
  executions: Record<string, string>;
  correlationIds: Record<string, string>;
}

describe("ssm-result (dynalite + fake SSM and Step Functions)", () => {
  let store: RequestStore;
  let ssm: FakeAutomationClient;
  let sfn: RecordingStepFunctions;
  let deps: SsmResultDeps;
  const now = new Date(T0.getTime() + 30 * MINUTE_MS);

  useLocalRequestStore((local) => ({ store } = local));
  beforeEach(() => {
    ssm = new FakeAutomationClient(DOCUMENT);
    sfn = new RecordingStepFunctions();
    deps = {
      store,
      callbacks: sfnTaskCallbacks(sfn),
      automations: ssmAutomations(ssm),
      documentName: DOCUMENT,
      now: () => now,
    };
  });

  /** An open one-stage request; the `iam` approvers (default: all) each have a started automation. */
  async function openRequest(approvers: string[], quorum: number, iam = approvers): Promise<OpenedIamRequest> {
    const opened = await openStagedRequest(store, [{ name: STAGE, approvers, quorum }]);
    const result: OpenedIamRequest = {
      opened,
      requestId: opened.requestId,
      tokens: {},
      executions: {},
      correlationIds: {},
    };
    for (const approver of iam) {
      const event = askEventFor(opened, 0, iamApprover(approver));
      result.tokens[approver] = event.taskToken!;
      const started = await startIamApproval(
        {
          store,
          automations: ssmAutomations(ssm),
          documentName: DOCUMENT,
          automationRoleArn: AUTOMATION_ROLE,
          now: () => T0,
        },
        event,
      );
      assert.ok(started.started);
      result.executions[approver] = started.automationExecutionId;
      result.correlationIds[approver] = (await store.getRequest(opened.requestId))!.stages[0].asks[approver].askId;
    }
    ssm.calls.length = 0;
    return result;
  }

  const record = async (requestId: string): Promise<RequestRecord> => (await store.getRequest(requestId))!;
  const stageOf = async (requestId: string) => (await record(requestId)).stages[0];
  const branchResult = (approver: string, vote: object) => ({ stage: STAGE, approver, ...vote });

  describe("one case per final status of the approve step", () => {
    it("Success (approved): records the approval by the principal who decided, with the comment and the decision time", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      const decidedAt = new Date(T0.getTime() + 10 * MINUTE_MS);
      const event = ssm.decide(
        opened.executions.security,
        "Approve",
        sessionOf("security"),
        "Rotation plan reviewed",
        decidedAt,
      );
      assert.equal(event.detail.Status, "Success");

      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "decision", outcome: "recorded" });
      const vote = {
        decision: "approve",
        decidedAt: decidedAt.toISOString(),
        decidedBy: sessionOf("security"),
        channel: "iam",
        comment: "Rotation plan reviewed",
      };
      assert.deepEqual((await stageOf(opened.requestId)).votes, { security: vote });
      const { comment: _comment, ...result } = vote;
      assert.deepEqual(sfn.calls, [
        {
          operation: "SendTaskSuccess",
          taskToken: opened.tokens.security,
          output: branchResult("security", result),
        },
      ]);
      assert.deepEqual(
        ssm.calls.map((c) => [c.operation, c.input.AutomationExecutionId]),
        [["GetAutomationExecution", opened.executions.security]],
      );
    });

    it("Success that reaches the quorum: fails the task with Approval.QuorumReached", async () => {
      const opened = await openRequest(["security", "finance"], 1);
      await recordAutomationResult(deps, ssm.decide(opened.executions.finance, "Approve", principalOf("finance")));
      assert.deepEqual(
        sfn.calls.map((c) => [c.operation, c.taskToken, c.error]),
        [["SendTaskFailure", opened.tokens.finance, "Approval.QuorumReached"]],
      );
    });

    it("Failed with a rejection: records the rejection, which ends a unanimous stage as rejected", async () => {
      const opened = await openRequest(["security", "finance"], 2);
      const decidedAt = new Date(T0.getTime() + 5 * MINUTE_MS);
      const event = ssm.decide(
        opened.executions.security,
        "Reject",
        sessionOf("security"),
        "Not during the freeze",
        decidedAt,
      );
      assert.equal(event.detail.Status, "Failed");
      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "decision", outcome: "recorded" });
      const stage = await stageOf(opened.requestId);
      assert.equal(stage.rejections, 1);
      assert.equal(stage.declined, 1);
      assert.deepEqual(stage.votes.security, {
        decision: "reject",
        decidedAt: decidedAt.toISOString(),
        decidedBy: sessionOf("security"),
        channel: "iam",
        comment: "Not during the freeze",
      });
      assert.deepEqual(
        sfn.calls.map((c) => [c.operation, c.error]),
        [["SendTaskFailure", "Approval.Rejected"]],
      );
    });

    it("TimedOut: records the approver's part as expired, as the state machine's timer would", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      const event = ssm.timeOut(opened.executions.legal);
      assert.equal(event.detail.Status, "TimedOut");
      assert.deepEqual(await recordAutomationResult(deps, event), {
        handled: "noVerdict",
        decision: "expired",
        recorded: true,
      });
      const stage = await stageOf(opened.requestId);
      assert.equal(stage.misses, 1);
      assert.deepEqual(stage.votes.legal, {
        decision: "expired",
        reason: "the SSM approval timed out",
        decidedAt: now.toISOString(),
        decidedBy: "deadline",
        channel: "deadline",
      });
      // One miss of three with quorum 2 decides nothing: the branch ends with the expired part.
      const { reason: _reason, ...result } = stage.votes.legal;
      assert.deepEqual(sfn.calls, [
        { operation: "SendTaskSuccess", taskToken: opened.tokens.legal, output: branchResult("legal", result) },
      ]);
    });

    it("TimedOut after the state machine's timer recorded the expiry: nothing more happens", async () => {
      const opened = await openRequest(["security", "finance"], 1);
      await recordExpiry(
        { store, now: () => now },
        {
          requestId: opened.requestId,
          stage: 0,
          approver: "finance",
          channel: "iam",
          error: { Error: "States.Timeout" },
        },
      );
      assert.deepEqual(await recordAutomationResult(deps, ssm.timeOut(opened.executions.finance)), {
        handled: "noVerdict",
        decision: "expired",
        recorded: false,
      });
      assert.equal((await stageOf(opened.requestId)).misses, 1);
      assert.deepEqual(sfn.calls, []);
    });

    it("Cancelled while the request is open (someone stopped the automation): the approver's part failed", async () => {
      const opened = await openRequest(["security", "finance"], 1);
      const event = ssm.cancel(opened.executions.security);
      assert.equal(event.detail.Status, "Cancelled");
      assert.deepEqual(await recordAutomationResult(deps, event), {
        handled: "noVerdict",
        decision: "failed",
        recorded: true,
      });
      assert.deepEqual((await stageOf(opened.requestId)).votes.security, {
        decision: "failed",
        reason: "the SSM automation was cancelled before a decision",
        decidedAt: now.toISOString(),
        decidedBy: "workflow",
        channel: "iam",
      });
      assert.deepEqual(
        sfn.calls.map((c) => [c.operation, c.taskToken]),
        [["SendTaskSuccess", opened.tokens.security]],
      );
    });

    it("Cancelled because the request closed (close-request stops pending automations): nothing is recorded", async () => {
      const opened = await openRequest(["security", "finance"], 1);
      await store.closeRequest(opened.requestId, { reason: "completed", outcome: "approved", closedAt: now });
      assert.deepEqual(await recordAutomationResult(deps, ssm.cancel(opened.executions.security)), {
        handled: "noVerdict",
        decision: "failed",
        recorded: false,
      });
      assert.deepEqual((await stageOf(opened.requestId)).votes, {});
      assert.deepEqual(sfn.calls, []);
    });

    it("Failed without a decision (the channel broke): records the part as failed with SSM's message and logs it as an error", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      const event = ssm.breakStep(
        opened.executions.security,
        "Failed to publish to the notification topic: AuthorizationError",
      );
      const { result, lines } = await captureLogLines(() => recordAutomationResult(deps, event), "error");
      assert.deepEqual(result, { handled: "noVerdict", decision: "failed", recorded: true });
      const stage = await stageOf(opened.requestId);
      assert.equal(stage.approvals + stage.rejections, 0, "never a vote");
      assert.deepEqual(stage.votes.security, {
        decision: "failed",
        reason: "the SSM approval failed: Failed to publish to the notification topic: AuthorizationError",
        decidedAt: now.toISOString(),
        decidedBy: "workflow",
        channel: "iam",
      });
      assert.deepEqual(
        sfn.calls.map((c) => [c.operation, c.taskToken]),
        [["SendTaskSuccess", opened.tokens.security]],
      );
      const logged = lines.find((line) => line.message === "iam approval ended without a decision");
      assert.equal(logged?.level, "ERROR");
      assert.equal(logged?.approver, "security");
      assert.match(String(logged?.reason), /AuthorizationError/);
    });

    it("Failed without a decision where the quorum can no longer be reached: ends the stage (Approval.Expired)", async () => {
      const opened = await openRequest(["security", "finance"], 2);
      await recordAutomationResult(deps, ssm.breakStep(opened.executions.security, "boom"));
      assert.deepEqual(
        sfn.calls.map((c) => [c.operation, c.taskToken, c.error]),
        [["SendTaskFailure", opened.tokens.security, "Approval.Expired"]],
      );
    });
  });

  describe("deciding from the step's status and outputs together", () => {
    it("an approval whose outputs are missing is still recorded, by the principal the approver was asked as", async () => {
      const opened = await openRequest(["security", "finance"], 2);
      const endedAt = new Date(T0.getTime() + 7 * MINUTE_MS);
      const event = ssm.finish(opened.executions.security, { status: "Success", outputs: null, at: endedAt });
      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "decision", outcome: "recorded" });
      assert.deepEqual((await stageOf(opened.requestId)).votes.security, {
        decision: "approve",
        decidedAt: endedAt.toISOString(),
        decidedBy: principalOf("security"),
        channel: "iam",
      });
    });

    it("a rejection with no outputs but a failure message that says so is a rejection, not a failed approver", async () => {
      const opened = await openRequest(["security", "finance"], 2);
      const event = ssm.finish(opened.executions.security, {
        status: "Failed",
        outputs: null,
        failureMessage: "Step was rejected by the approver",
      });
      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "decision", outcome: "recorded" });
      assert.equal((await stageOf(opened.requestId)).votes.security.decision, "reject");
      assert.deepEqual(
        sfn.calls.map((c) => c.error),
        ["Approval.Rejected"],
      );
    });

    it("outputs that contradict the status record nothing and throw Approval.UnknownAutomationResult with a log line saying why", async () => {
      const opened = await openRequest(["security", "finance"], 2);
      const event = ssm.finish(opened.executions.security, {
        status: "Success",
        outputs: { ApprovalStatus: ["Rejected"] },
      });
      const { error, lines } = await captureLogLines(() => recordAutomationResult(deps, event), "error");
      assert.equal((error as Error | undefined)?.name, "Approval.UnknownAutomationResult");
      assert.deepEqual((await stageOf(opened.requestId)).votes, {});
      assert.deepEqual(sfn.calls, []);
      const [logged] = lines;
      assert.equal(logged?.level, "ERROR");
      assert.match(String(logged?.message), /unknown shape.*dead-letter queue/);
      assert.match(String(logged?.reason), /both an approval and a rejection/);
      assert.equal(logged?.approver, "security");
    });

    describe("the rules (pure)", () => {
      const at = new Date("2030-01-01T00:10:00.000Z");
      const execution = (step: StepExecutionView): AutomationExecutionView => ({
        StepExecutions: [{ StepName: "approve", ExecutionEndTime: at, ...step }],
      });
      const decision = (entry: Record<string, string>) => JSON.stringify(entry);
      const approvedBy = decision({ Approver: "arn:a", Decision: "Approve", Comment: "ok" });
      const rejectedBy = decision({ Approver: "arn:r", Decision: "Reject", Comment: "no" });

      const cases: Array<[string, "Success" | "Failed" | "TimedOut" | "Cancelled", StepExecutionView, object]> = [
        [
          "approved: Success, ApprovalStatus Approved, the approver's decision",
          "Success",
          { StepStatus: "Success", Outputs: { ApprovalStatus: ["Approved"], ApproverDecisions: [approvedBy] } },
          { kind: "decided", decision: "approve", decidedBy: "arn:a", comment: "ok", decidedAt: at },
        ],
        [
          "approved with every output missing: Success alone",
          "Success",
          { StepStatus: "Success" },
          { kind: "decided", decision: "approve", decidedAt: at },
        ],
        [
          "rejected: Failed, ApprovalStatus Rejected, the approver's decision",
          "Failed",
          { StepStatus: "Failed", Outputs: { ApprovalStatus: ["Rejected"], ApproverDecisions: [rejectedBy] } },
          { kind: "decided", decision: "reject", decidedBy: "arn:r", comment: "no", decidedAt: at },
        ],
        [
          "rejected with ApprovalStatus missing: the approver's decision says Reject",
          "Failed",
          { StepStatus: "Failed", Outputs: { ApproverDecisions: [rejectedBy] } },
          { kind: "decided", decision: "reject", decidedBy: "arn:r", comment: "no", decidedAt: at },
        ],
        [
          "rejected with every output missing: the failure message says denied",
          "Failed",
          { StepStatus: "Failed", FailureMessage: "The approval was denied" },
          { kind: "decided", decision: "reject", decidedAt: at },
        ],
        [
          "timed out, whatever the outputs still say",
          "TimedOut",
          { StepStatus: "TimedOut", Outputs: { ApprovalStatus: ["Waiting"] } },
          { kind: "timedOut" },
        ],
        ["cancelled", "Cancelled", { StepStatus: "Cancelled" }, { kind: "cancelled" }],
        [
          "failed without a decision: ApprovalStatus Waiting and a failure message",
          "Failed",
          { StepStatus: "Failed", Outputs: { ApprovalStatus: ["Waiting"] }, FailureMessage: "  boom  " },
          { kind: "failed", reason: "boom" },
        ],
        [
          "failed without a decision, outputs and message all missing",
          "Failed",
          { StepStatus: "Failed" },
          { kind: "failed", reason: "the approve step failed without a decision" },
        ],
      ];
      for (const [name, status, step, expected] of cases) {
        it(name, () => assert.deepEqual(stepOutcomeOf(execution(step), status), expected));
      }

      const contradictions: Array<[string, "Success" | "Failed", StepExecutionView]> = [
        [
          "Success with ApprovalStatus Rejected",
          "Success",
          { StepStatus: "Success", Outputs: { ApprovalStatus: ["Rejected"] } },
        ],
        [
          "Failed with ApprovalStatus Approved and a message saying rejected",
          "Failed",
          { StepStatus: "Failed", Outputs: { ApprovalStatus: ["Approved"] }, FailureMessage: "rejected" },
        ],
        [
          "one approver's decision says Approve, another's Reject",
          "Failed",
          { StepStatus: "Failed", Outputs: { ApproverDecisions: [approvedBy, rejectedBy] } },
        ],
        [
          "an ApprovalStatus AWS does not document",
          "Success",
          { StepStatus: "Success", Outputs: { ApprovalStatus: ["Pending"] } },
        ],
      ];
      for (const [name, status, step] of contradictions) {
        it(`contradictory or unknown outputs go to the dead-letter queue: ${name}`, () =>
          assert.equal(stepOutcomeOf(execution(step), status).kind, "unknownShape"));
      }

      it("an event the execution does not reflect yet (step still waiting, or no approve step) is retried later", () => {
        assert.equal(stepOutcomeOf(execution({ StepStatus: "Waiting" }), "Success").kind, "notFinal");
        assert.equal(stepOutcomeOf({ StepExecutions: [] }, "Success").kind, "notFinal");
      });
    });
  });

  describe("events that decide nothing", () => {
    it("an execution SSM does not know: logged and ignored", async () => {
      const event = stepStatusEvent("4105a4fc-f944-11e6-9d32-0a1b2c3d495h", DOCUMENT, "Success");
      assert.deepEqual(await recordAutomationResult(deps, event), {
        handled: "ignored",
        reason: "unknown automation execution",
      });
      assert.deepEqual(sfn.calls, []);
    });

    it("an automation of this document without a correlation id: ignored", async () => {
      const id = await ssmAutomations(ssm).start(DOCUMENT, { Approvers: [principalOf("security")] }, {});
      const event = ssm.decide(id, "Approve", principalOf("security"));
      assert.deepEqual(await recordAutomationResult(deps, event), {
        handled: "ignored",
        reason: "the automation has no correlation id",
      });
      assert.deepEqual(sfn.calls, []);
    });

    it("an automation someone else started with a copied correlation id: ignored, the approver's real automation still counts", async () => {
      const opened = await openRequest(["security", "finance"], 2);
      // Anyone allowed ssm:GetAutomationExecution can read the correlation id; starting a twin with
      // themselves as approver must not let them vote for security.
      const twin = await ssmAutomations(ssm).start(
        DOCUMENT,
        { Approvers: [principalOf("intruder")], CorrelationId: [opened.correlationIds.security] },
        {},
      );
      const forged = ssm.decide(twin, "Approve", principalOf("intruder"));
      assert.deepEqual(await recordAutomationResult(deps, forged), {
        handled: "ignored",
        reason: "not the automation started for this ask (an earlier attempt, or a copy)",
      });
      assert.deepEqual((await stageOf(opened.requestId)).votes, {});

      await recordAutomationResult(deps, ssm.decide(opened.executions.security, "Approve", principalOf("security")));
      assert.equal((await stageOf(opened.requestId)).votes.security.decidedBy, principalOf("security"));
    });

    it("the earlier attempt's automation, cancelled when the ask was retried, records nothing", async () => {
      const opened = await openRequest(["security", "finance"], 2);
      const first = opened.executions.security;
      const retried = await startIamApproval(
        { store, automations: ssmAutomations(ssm), documentName: DOCUMENT, automationRoleArn: AUTOMATION_ROLE },
        askEventFor(opened.opened, 0, iamApprover("security")),
      );
      assert.ok(retried.started);
      assert.equal(ssm.statusOf(first), "Cancelled", "ssm-start stopped the earlier attempt");
      assert.deepEqual(await recordAutomationResult(deps, stepStatusEvent(first, DOCUMENT, "Cancelled")), {
        handled: "ignored",
        reason: "not the automation started for this ask (an earlier attempt, or a copy)",
      });
      assert.deepEqual((await stageOf(opened.requestId)).votes, {});
      assert.deepEqual(sfn.calls, []);
    });

    it("a well-formed correlation id that names no ask: ignored", async () => {
      const id = await ssmAutomations(ssm).start(
        DOCUMENT,
        { Approvers: [principalOf("security")], CorrelationId: [freshId()] },
        {},
      );
      assert.deepEqual(await recordAutomationResult(deps, ssm.decide(id, "Approve", principalOf("security"))), {
        handled: "ignored",
        reason: "no ask has this correlation id",
      });
    });

    it("a correlation id that names a link ask: ignored", async () => {
      const opened = await openRequest(["security", "finance"], 1, ["security"]);
      const linkAsk = await store.putAsk({
        requestId: opened.requestId,
        stage: 0,
        approver: "finance",
        address: "finance@example.com",
        channel: "link",
        taskToken: "t",
        deadline: new Date(T0.getTime() + 60 * MINUTE_MS).toISOString(),
        createdAt: T0.toISOString(),
      });
      assert.equal(linkAsk.kind, "stored");
      const id = await ssmAutomations(ssm).start(
        DOCUMENT,
        { Approvers: [principalOf("finance")], CorrelationId: [linkAsk.kind === "stored" ? linkAsk.askId : ""] },
        {},
      );
      assert.deepEqual(await recordAutomationResult(deps, ssm.decide(id, "Approve", principalOf("finance"))), {
        handled: "ignored",
        reason: "the correlation id is not an iam ask",
      });
      assert.deepEqual((await stageOf(opened.requestId)).votes, {});
    });

    it("another document's automation: ignored without calling SSM", async () => {
      assert.deepEqual(
        await recordAutomationResult(
          deps,
          stepStatusEvent("4105a4fc-f944-11e6-9d32-0a1b2c3d495h", "someone-elses-runbook", "Success"),
        ),
        { handled: "ignored", reason: "automation of another document" },
      );
      assert.deepEqual(ssm.calls, []);
    });

    it("a duplicate delivery of the same event: one vote, one callback", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      const event = ssm.decide(opened.executions.security, "Approve", principalOf("security"));
      await recordAutomationResult(deps, event);
      assert.deepEqual(await recordAutomationResult(deps, event), {
        handled: "decision",
        outcome: "refused: alreadyDecided",
      });
      assert.equal((await stageOf(opened.requestId)).approvals, 1);
      assert.equal(sfn.calls.length, 1);
    });

    it("a decision after the request closed: nothing recorded, no callback", async () => {
      const opened = await openRequest(["security", "finance"], 1);
      await store.closeRequest(opened.requestId, { reason: "completed", outcome: "approved", closedAt: T0 });
      await store.scrubTaskTokens(await record(opened.requestId));
      assert.deepEqual(
        await recordAutomationResult(deps, ssm.decide(opened.executions.security, "Reject", principalOf("security"))),
        { handled: "decision", outcome: "refused: requestClosed" },
      );
      assert.deepEqual((await stageOf(opened.requestId)).votes, {});
      assert.deepEqual(sfn.calls, []);
    });
  });

  describe("failures that are retried", () => {
    it("SSM throttling: the error is thrown (so the event is retried) and nothing is recorded; the retry records it", async () => {
      const opened = await openRequest(["security", "finance"], 2);
      const event = ssm.decide(opened.executions.security, "Approve", principalOf("security"));
      ssm.failures.push({
        operation: "GetAutomationExecution",
        error: namedError("ThrottlingException", "Rate exceeded"),
      });
      await assert.rejects(recordAutomationResult(deps, event), { name: "ThrottlingException" });
      assert.deepEqual((await stageOf(opened.requestId)).votes, {});
      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "decision", outcome: "recorded" });
    });

    it("Step Functions throttling the callback: the vote is kept with its pending signal and the error thrown; the retry delivers it", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      const event = ssm.decide(opened.executions.security, "Approve", principalOf("security"));
      sfn.script.push(namedError("ThrottlingException"));
      await assert.rejects(recordAutomationResult(deps, event), { name: "Approval.CallbackPending" });
      assert.equal((await stageOf(opened.requestId)).votes.security.pendingSignal, "none");

      assert.deepEqual(await recordAutomationResult(deps, event), {
        handled: "decision",
        outcome: "refused: alreadyDecided",
      });
      assert.equal((await stageOf(opened.requestId)).votes.security.pendingSignal, undefined);
      assert.deepEqual(
        sfn.calls.map((c) => [c.operation, c.taskToken]),
        [
          ["SendTaskSuccess", opened.tokens.security],
          ["SendTaskSuccess", opened.tokens.security],
        ],
      );
    });

    it("a stage-ending signal whose callback failed is delivered by the retry", async () => {
      const opened = await openRequest(["security", "finance"], 1);
      const event = ssm.decide(opened.executions.security, "Approve", principalOf("security"));
      sfn.script.push(namedError("ServiceUnavailable"));
      await assert.rejects(recordAutomationResult(deps, event), { name: "Approval.CallbackPending" });
      await recordAutomationResult(deps, event);
      assert.deepEqual(
        sfn.calls.map((c) => [c.operation, c.error]),
        [
          ["SendTaskFailure", "Approval.QuorumReached"],
          ["SendTaskFailure", "Approval.QuorumReached"],
        ],
      );
      assert.equal((await stageOf(opened.requestId)).votes.security.pendingSignal, undefined);
    });

    it("a no-verdict whose callback fails is thrown the same way; the retry records it only once", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      const event = ssm.timeOut(opened.executions.legal);
      sfn.script.push(namedError("ServiceUnavailable"));
      await assert.rejects(recordAutomationResult(deps, event), { name: "Approval.CallbackPending" });
      assert.equal((await stageOf(opened.requestId)).votes.legal.pendingSignal, "none");
      assert.deepEqual(await recordAutomationResult(deps, event), {
        handled: "noVerdict",
        decision: "expired",
        recorded: false,
      });
      const stage = await stageOf(opened.requestId);
      assert.equal(stage.votes.legal.pendingSignal, undefined);
      assert.equal(stage.misses, 1);
    });

    it("TaskTimedOut from Step Functions: the task no longer waits, so the vote stands and nothing is retried", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      sfn.script.push(namedError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'"));
      assert.deepEqual(
        await recordAutomationResult(deps, ssm.decide(opened.executions.security, "Approve", principalOf("security"))),
        { handled: "decision", outcome: "recorded" },
      );
      assert.equal((await stageOf(opened.requestId)).votes.security.pendingSignal, undefined);
    });

    it("an automation that ended before ssm-start recorded it: retried while the request is open, ignored once it closed", async () => {
      const opened = await openRequest(["security", "finance"], 2, ["security"]);
      // finance's ask is stored, its automation started, but ssm-start has not recorded it yet.
      const stored = await store.putAsk({
        requestId: opened.requestId,
        stage: 0,
        approver: "finance",
        address: principalOf("finance"),
        channel: "iam",
        taskToken: "t2",
        deadline: new Date(T0.getTime() + 60 * MINUTE_MS).toISOString(),
        createdAt: T0.toISOString(),
      });
      assert.ok(stored.kind === "stored");
      const id = await ssmAutomations(ssm).start(
        DOCUMENT,
        { Approvers: [principalOf("finance")], CorrelationId: [stored.askId] },
        {},
      );
      const event = ssm.decide(id, "Approve", principalOf("finance"));
      await assert.rejects(recordAutomationResult(deps, event), { name: "Approval.RetryLater" });

      await store.closeRequest(opened.requestId, { reason: "aborted", closedAt: now });
      assert.deepEqual(await recordAutomationResult(deps, event), {
        handled: "ignored",
        reason: "the automation was never recorded and the request is closed",
      });
      assert.deepEqual((await stageOf(opened.requestId)).votes, {});
    });

    it("an event SSM's API does not reflect yet (step still waiting): thrown, to be retried", async () => {
      const opened = await openRequest(["security"], 1);
      const event = stepStatusEvent(opened.executions.security, DOCUMENT, "Success");
      await assert.rejects(recordAutomationResult(deps, event), { name: "Approval.RetryLater" });
      assert.deepEqual((await stageOf(opened.requestId)).votes, {});
    });
  });

  describe("reading the event and the decisions (pure)", () => {
    it("accepts the documented event shape for the approve step, and only final statuses of it", () => {
      // The SSM user guide's example, verbatim except for the step: it shows an aws:runCommand step.
      const documented = {
        version: "0",
        id: "eeca120b-a321-433e-9635-dab369006a6b",
        "detail-type": "EC2 Automation Step Status-change Notification",
        source: "aws.ssm",
        account: "123456789012",
        time: "2024-11-29T19:43:35Z",
        region: "us-east-1",
        resources: [
          "arn:aws:ssm:us-east-2:123456789012:automation-execution/333ba70b-2333-48db-b17e-a5e69c6f4d1c",
          "arn:aws:ssm:us-east-2:123456789012:automation-definition/runcommand1:1",
        ],
        detail: {
          ExecutionId: "333ba70b-2333-48db-b17e-a5e69c6f4d1c",
          Definition: "runcommand1",
          DefinitionVersion: 1.0,
          Status: "Success",
          EndTime: "Nov 29, 2024 7:43:25 PM",
          StartTime: "Nov 29, 2024 7:43:23 PM",
          Time: 2630.0,
          StepName: "runFixedCmds",
          Action: "aws:runCommand",
        },
      };
      assert.equal(parseStepStatusEvent(documented).kind, "ignored");
      const approve = { ...documented, detail: { ...documented.detail, StepName: "approve", Action: "aws:approve" } };
      assert.deepEqual(parseStepStatusEvent(approve), {
        kind: "stepEnded",
        executionId: "333ba70b-2333-48db-b17e-a5e69c6f4d1c",
        documentName: "runcommand1",
        status: "Success",
      });
      for (const status of ["Success", "Failed", "TimedOut", "Cancelled"]) {
        assert.equal(
          parseStepStatusEvent({ ...approve, detail: { ...approve.detail, Status: status } }).kind,
          "stepEnded",
          status,
        );
      }
      for (const status of ["Waiting", "InProgress", "Pending", "Cancelling"]) {
        assert.equal(
          parseStepStatusEvent({ ...approve, detail: { ...approve.detail, Status: status } }).kind,
          "ignored",
          status,
        );
      }
      assert.equal(parseStepStatusEvent({ ...approve, source: "aws.ec2" }).kind, "ignored");
      assert.equal(
        parseStepStatusEvent({ ...approve, detail: { ...approve.detail, ExecutionId: undefined } }).kind,
        "ignored",
      );
      assert.equal(parseStepStatusEvent("not an event").kind, "ignored");
    });

    it("reads ApproverDecisions entries given as JSON maps or a JSON list, under Decision or ApprovalStatus, and skips unreadable ones", () => {
      assert.deepEqual(
        approverDecisionsOf([
          '{"Approver":"arn:aws:iam::123456789012:user/a","Decision":"Approve","ApprovalDecisionTime":"2022-04-06T07:22:51.034463Z","Comment":"ok"}',
          '[{"Approver":"b","Decision":"Reject"},{"Approver":"c","ApprovalStatus":"Approved"}]',
          "not json",
        ]),
        [
          {
            approver: "arn:aws:iam::123456789012:user/a",
            decision: "approve",
            decidedAt: new Date("2022-04-06T07:22:51.034Z"),
            comment: "ok",
          },
          { approver: "b", decision: "reject" },
          { approver: "c", decision: "approve" },
        ],
      );
    });
  });
});
