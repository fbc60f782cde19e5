/**
 * ssm-result (iam channel) against dynalite, a fake SSM client and a fake Step Functions client,
 * fed the EventBridge event SSM documents for "EC2 Automation Step Status-change Notification":
 * one case per final status, then what must be ignored, what must be harmless, and what must
 * throw so that the event is retried.
 */
import { strict as assert } from "node:assert";
import { SendTaskFailureCommand, SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { CANCELLED_BY, recordAutomationResult, type SsmResultDeps } from "../lambdas/ssm-result/index";
import { parseStepStatusEvent } from "../lambdas/ssm-result/parse-automation-event";
import { approverDecisionsOf, stepOutcomeOf } from "../lambdas/ssm-result/step-outcome";
import { startIamApproval } from "../lambdas/ssm-start/index";
import { sfnVoteCallbacks, type TaskCallbackClient } from "../lambdas/shared/callbacks";
import { ssmAutomations } from "../lambdas/shared/automations";
import { freshId } from "../lambdas/shared/ids";
import type { RequestRecord } from "../lambdas/shared/model";
import type { RequestStore } from "../lambdas/shared/store";
import { useLocalRequestStore } from "./helpers/dynalite";
import { FakeAutomationClient, namedError, stepStatusEvent } from "./helpers/fake-automation-client";
import { openRequestRecord, T0 } from "./helpers/request-fixtures";

const DOCUMENT = "parallel-approval-dev-approval-ssm";
const AUTOMATION_ROLE = "arn:aws:iam::123456789012:role/approval-ssm-automation-role";
const principalOf = (approver: string) => `arn:aws:iam::123456789012:role/${approver}-approver`;
/** Who actually clicked Approve: a session of the approver role. */
const sessionOf = (approver: string) => `arn:aws:sts::123456789012:assumed-role/${approver}-approver/alice`;
const MINUTE = 60_000;

interface SfnCall {
  operation: "SendTaskSuccess" | "SendTaskFailure";
  taskToken: string;
  output?: any;
  error?: string;
  cause?: string;
}

class FakeStepFunctions implements TaskCallbackClient {
  readonly calls: SfnCall[] = [];
  /** Thrown by the next calls, in order. */
  readonly script: Error[] = [];
  async send(command: SendTaskSuccessCommand | SendTaskFailureCommand): Promise<unknown> {
    const { taskToken } = command.input;
    if (command instanceof SendTaskSuccessCommand)
      this.calls.push({
        operation: "SendTaskSuccess",
        taskToken: taskToken!,
        output: JSON.parse(command.input.output!),
      });
    else
      this.calls.push({
        operation: "SendTaskFailure",
        taskToken: taskToken!,
        error: command.input.error,
        cause: command.input.cause,
      });
    const next = this.script.shift();
    if (next) throw next;
    return {};
  }
}

interface OpenedRequest {
  requestId: string;
  tokens: Record<string, string>;
  executions: Record<string, string>;
  correlationIds: Record<string, string>;
}

describe("ssm-result (dynalite + fake SSM and Step Functions)", () => {
  let store: RequestStore;
  let ssm: FakeAutomationClient;
  let sfn: FakeStepFunctions;
  let deps: SsmResultDeps;

  useLocalRequestStore((local) => ({ store } = local));
  beforeEach(() => {
    ssm = new FakeAutomationClient(DOCUMENT);
    sfn = new FakeStepFunctions();
    deps = {
      store,
      callbacks: sfnVoteCallbacks(sfn),
      tasks: sfn,
      automations: ssmAutomations(ssm),
      documentName: DOCUMENT,
      now: () => new Date(T0.getTime() + 30 * MINUTE),
    };
  });

  /** An open request whose approvers all use the iam channel, each with a started automation. */
  async function openRequest(approvers: string[], quorum: number): Promise<OpenedRequest> {
    const requestId = freshId();
    await openRequestRecord(store, requestId, {
      approvers,
      quorum,
      subject: "Rotate the production database credentials",
    });
    const opened: OpenedRequest = { requestId, tokens: {}, executions: {}, correlationIds: {} };
    for (const approver of approvers) {
      opened.tokens[approver] = `token-${approver}-${freshId()}`;
      const started = await startIamApproval(
        {
          store,
          automations: ssmAutomations(ssm),
          documentName: DOCUMENT,
          automationRoleArn: AUTOMATION_ROLE,
          now: () => T0,
        },
        {
          taskToken: opened.tokens[approver],
          requestId,
          request: {
            id: requestId,
            subject: "Rotate the production database credentials",
            approvers,
            quorum,
            openedAt: T0.toISOString(),
          },
          approver: {
            name: approver,
            address: principalOf(approver),
            topicArn: `arn:aws:sns:eu-west-1:123456789012:Automation-${approver}`,
          },
          timeoutSeconds: 3600,
        },
      );
      assert.ok(started.started);
      opened.executions[approver] = started.automationExecutionId;
      opened.correlationIds[approver] = (await store.getRequest(requestId))!.asks[approver].askId;
    }
    ssm.calls.length = 0;
    return opened;
  }

  const record = async (requestId: string): Promise<RequestRecord> => (await store.getRequest(requestId))!;

  describe("one case per final status of the approve step", () => {
    it("Success (approved): records the approval by the principal who decided, with the comment and the decision time", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      const decidedAt = new Date(T0.getTime() + 10 * MINUTE);
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
      assert.deepEqual((await record(opened.requestId)).votes, { security: vote });
      assert.deepEqual(sfn.calls, [
        { operation: "SendTaskSuccess", taskToken: opened.tokens.security, output: { approver: "security", ...vote } },
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

    it("Failed with a rejection: records the rejection, which ends a unanimous request as rejected", async () => {
      const opened = await openRequest(["security", "finance"], 2);
      const event = ssm.decide(
        opened.executions.security,
        "Reject",
        sessionOf("security"),
        "Not during the freeze",
        new Date(T0.getTime() + 5 * MINUTE),
      );
      assert.equal(event.detail.Status, "Failed");
      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "decision", outcome: "recorded" });
      const { votes, rejections } = await record(opened.requestId);
      assert.equal(rejections, 1);
      assert.deepEqual(votes.security, {
        decision: "reject",
        decidedAt: new Date(T0.getTime() + 5 * MINUTE).toISOString(),
        decidedBy: sessionOf("security"),
        channel: "iam",
        comment: "Not during the freeze",
      });
      assert.deepEqual(
        sfn.calls.map((c) => [c.operation, c.error]),
        [["SendTaskFailure", "Approval.Rejected"]],
      );
    });

    it("TimedOut: records the approver's vote as expired, as the state machine's timer would", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      const event = ssm.timeOut(opened.executions.legal);
      assert.equal(event.detail.Status, "TimedOut");
      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "expiry", outcome: "recorded" });
      const { votes, expirations } = await record(opened.requestId);
      assert.equal(expirations, 1);
      assert.deepEqual(votes.legal, {
        decision: "expired",
        decidedAt: deps.now!().toISOString(),
        decidedBy: "deadline",
        channel: "deadline",
      });
      // One expiry of three with quorum 2 decides nothing: the branch ends with the expired decision.
      assert.deepEqual(sfn.calls, [
        { operation: "SendTaskSuccess", taskToken: opened.tokens.legal, output: { approver: "legal", ...votes.legal } },
      ]);
    });

    it("TimedOut after the state machine's timer recorded the expiry: nothing more happens", async () => {
      const opened = await openRequest(["security", "finance"], 1);
      await store.applyVote(opened.requestId, "finance", {
        decision: "expired",
        decidedAt: T0.toISOString(),
        decidedBy: "deadline",
        channel: "deadline",
      });
      assert.deepEqual(await recordAutomationResult(deps, ssm.timeOut(opened.executions.finance)), {
        handled: "expiry",
        outcome: "alreadyVoted",
      });
      assert.equal((await record(opened.requestId)).expirations, 1);
      assert.deepEqual(sfn.calls, []);
    });

    it("Cancelled while the request is open (someone stopped the automation): the approver's vote is expired", async () => {
      const opened = await openRequest(["security", "finance"], 1);
      const event = ssm.cancel(opened.executions.security);
      assert.equal(event.detail.Status, "Cancelled");
      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "expiry", outcome: "recorded" });
      assert.deepEqual((await record(opened.requestId)).votes.security, {
        decision: "expired",
        decidedAt: deps.now!().toISOString(),
        decidedBy: CANCELLED_BY,
        channel: "iam",
      });
      assert.equal(sfn.calls.length, 1);
    });

    it("Cancelled because the request closed (close-request stops pending automations): nothing is recorded", async () => {
      const opened = await openRequest(["security", "finance"], 1);
      await store.closeRequest(opened.requestId, "approved", deps.now!());
      assert.deepEqual(await recordAutomationResult(deps, ssm.cancel(opened.executions.security)), {
        handled: "expiry",
        outcome: "closed",
      });
      assert.deepEqual((await record(opened.requestId)).votes, {});
      assert.deepEqual(sfn.calls, []);
    });

    it("Failed without a decision (the channel broke): fails the approver's task with the SSM failure message, records no vote", async () => {
      const opened = await openRequest(["security", "finance"], 2);
      const event = ssm.breakStep(
        opened.executions.security,
        "Failed to publish to the notification topic: AuthorizationError",
      );
      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "channelFailed", outcome: "failed" });
      assert.deepEqual((await record(opened.requestId)).votes, {});
      assert.equal(sfn.calls.length, 1);
      assert.equal(sfn.calls[0].operation, "SendTaskFailure");
      assert.equal(sfn.calls[0].taskToken, opened.tokens.security);
      assert.equal(sfn.calls[0].error, "Approval.ChannelFailed");
      assert.match(sfn.calls[0].cause!, /security.*AuthorizationError/);
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
      const id = await ssmAutomations(ssm).start(DOCUMENT, { Approvers: [principalOf("security")] });
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
      const twin = await ssmAutomations(ssm).start(DOCUMENT, {
        Approvers: [principalOf("intruder")],
        CorrelationId: [opened.correlationIds.security],
      });
      const forged = ssm.decide(twin, "Approve", principalOf("intruder"));
      assert.deepEqual(await recordAutomationResult(deps, forged), {
        handled: "ignored",
        reason: "not the automation started for this ask",
      });
      assert.deepEqual((await record(opened.requestId)).votes, {});

      await recordAutomationResult(deps, ssm.decide(opened.executions.security, "Approve", principalOf("security")));
      assert.equal((await record(opened.requestId)).votes.security.decidedBy, principalOf("security"));
    });

    it("a correlation id that names a link ask: ignored", async () => {
      const opened = await openRequest(["security"], 1);
      const linkAsk = freshId();
      await store.putAsk({
        askId: linkAsk,
        requestId: opened.requestId,
        approver: "security",
        address: "security@example.com",
        channel: "link",
        taskToken: "t",
        deadline: T0.toISOString(),
        createdAt: T0.toISOString(),
      });
      const id = await ssmAutomations(ssm).start(DOCUMENT, {
        Approvers: [principalOf("security")],
        CorrelationId: [linkAsk],
      });
      assert.deepEqual(await recordAutomationResult(deps, ssm.decide(id, "Approve", principalOf("security"))), {
        handled: "ignored",
        reason: "the correlation id is not an iam ask",
      });
    });

    it("another document's automation: ignored without calling SSM", async () => {
      assert.deepEqual(
        await recordAutomationResult(
          deps,
          stepStatusEvent("4105a4fc-f944-11e6-9d32-0a1b2c3d495h", "someone-elses-runbook", "Success"),
        ),
        {
          handled: "ignored",
          reason: "automation of another document",
        },
      );
      assert.deepEqual(ssm.calls, []);
    });

    it("a duplicate delivery of the same event: one vote, one callback", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      const event = ssm.decide(opened.executions.security, "Approve", principalOf("security"));
      await recordAutomationResult(deps, event);
      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "decision", outcome: "duplicate" });
      const { approvals } = await record(opened.requestId);
      assert.equal(approvals, 1);
      assert.equal(sfn.calls.length, 1);
    });

    it("a decision after the request closed: nothing recorded, no callback", async () => {
      const opened = await openRequest(["security", "finance"], 1);
      await store.closeRequest(opened.requestId, "approved", T0);
      await store.scrubTaskTokens(await record(opened.requestId));
      assert.deepEqual(
        await recordAutomationResult(deps, ssm.decide(opened.executions.security, "Reject", principalOf("security"))),
        {
          handled: "decision",
          outcome: "closed",
        },
      );
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
      assert.deepEqual((await record(opened.requestId)).votes, {});
      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "decision", outcome: "recorded" });
    });

    it("Step Functions throttling the callback: the vote is kept with its pending signal and the error thrown; the retry delivers it", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      const event = ssm.decide(opened.executions.security, "Approve", principalOf("security"));
      sfn.script.push(namedError("ThrottlingException"));
      await assert.rejects(recordAutomationResult(deps, event), { name: "Approval.CallbackPending" });
      assert.equal((await record(opened.requestId)).votes.security.pendingSignal, "none");

      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "decision", outcome: "duplicate" });
      assert.equal((await record(opened.requestId)).votes.security.pendingSignal, undefined);
      assert.deepEqual(
        sfn.calls.map((c) => c.operation),
        ["SendTaskSuccess", "SendTaskSuccess"],
      );
    });

    it("an expiry whose callback fails is retried the same way", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      const event = ssm.timeOut(opened.executions.legal);
      sfn.script.push(namedError("ServiceUnavailable"));
      await assert.rejects(recordAutomationResult(deps, event), { name: "Approval.CallbackPending" });
      assert.deepEqual(await recordAutomationResult(deps, event), { handled: "expiry", outcome: "alreadyVoted" });
      assert.equal((await record(opened.requestId)).votes.legal.pendingSignal, undefined);
      assert.equal((await record(opened.requestId)).expirations, 1);
    });

    it("TaskTimedOut from Step Functions: the task no longer waits, so the vote stands and nothing is retried", async () => {
      const opened = await openRequest(["security", "finance", "legal"], 2);
      sfn.script.push(namedError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'"));
      assert.deepEqual(
        await recordAutomationResult(deps, ssm.decide(opened.executions.security, "Approve", principalOf("security"))),
        {
          handled: "decision",
          outcome: "recorded",
        },
      );
      assert.equal((await record(opened.requestId)).votes.security.pendingSignal, undefined);
    });

    it("an automation that ended before ssm-start recorded it, while the request is open: thrown, to be retried", async () => {
      const opened = await openRequest(["security"], 1);
      const correlationId = opened.correlationIds.security;
      // A second, not yet recorded automation for a fresh iam ask of the same approver.
      const askId = freshId();
      await store.putAsk({
        askId,
        requestId: opened.requestId,
        approver: "security",
        address: principalOf("security"),
        channel: "iam",
        taskToken: "t2",
        deadline: T0.toISOString(),
        createdAt: T0.toISOString(),
      });
      const id = await ssmAutomations(ssm).start(DOCUMENT, {
        Approvers: [principalOf("security")],
        CorrelationId: [askId],
      });
      assert.notEqual(askId, correlationId);
      await assert.rejects(recordAutomationResult(deps, ssm.decide(id, "Approve", principalOf("security"))), {
        name: "Approval.RetryLater",
      });
    });

    it("an event SSM's API does not reflect yet (step still waiting): thrown, to be retried", async () => {
      const opened = await openRequest(["security"], 1);
      const event = stepStatusEvent(opened.executions.security, DOCUMENT, "Success");
      await assert.rejects(recordAutomationResult(deps, event), { name: "Approval.RetryLater" });
    });
  });

  describe("reading the event and the execution (pure)", () => {
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
      for (const status of ["Waiting", "InProgress", "Pending"]) {
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

    it("reads ApproverDecisions entries given as JSON maps or a JSON list, and skips unreadable ones", () => {
      assert.deepEqual(
        approverDecisionsOf([
          '{"Approver":"arn:aws:iam::123456789012:user/a","Decision":"Approve","ApprovalDecisionTime":"2022-04-06T07:22:51.034463Z","Comment":"ok"}',
          '[{"Approver":"b","Decision":"Reject"}]',
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
        ],
      );
    });

    it("a rejection counts even when ApprovalStatus is missing; a Failed step without one is a channel failure", () => {
      const step = (outputs: Record<string, string[]>) => ({
        StepExecutions: [{ StepName: "approve", StepStatus: "Failed", Outputs: outputs, FailureMessage: "boom" }],
      });
      assert.equal(
        stepOutcomeOf(step({ ApproverDecisions: ['{"Approver":"a","Decision":"Reject"}'] }), "Failed").kind,
        "decided",
      );
      assert.deepEqual(stepOutcomeOf(step({ ApprovalStatus: ["Waiting"] }), "Failed"), {
        kind: "failed",
        reason: "boom",
      });
      assert.equal(stepOutcomeOf({ StepExecutions: [] }, "Success").kind, "notFinal");
    });
  });
});
