/**
 * One request, link and iam approvers together: the real definition run by the local runner, the
 * real handlers (open-request, notify-approver, ssm-start, record-expiry, close-request, ssm-result
 * and the decision recorder) on dynalite, a fake SSM client playing the console, and Step Functions
 * callbacks delivered to the runner's task registry.
 */
import { strict as assert } from "node:assert";
import { SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { buildDefinition, type DefinitionApprover } from "../components/definition";
import {
  createTaskRegistry,
  runLocally,
  type LocalExecution,
  type TaskTokenRegistry,
} from "../local/state-machine-runner";
import { closeRequest } from "../lambdas/close-request/index";
import { notifyApprover } from "../lambdas/notify-approver/index";
import { openRequest } from "../lambdas/open-request/index";
import { CANCELLED_BY, recordAutomationResult, type SsmResultDeps } from "../lambdas/ssm-result/index";
import { startIamApproval } from "../lambdas/ssm-start/index";
import { ssmAutomations } from "../lambdas/shared/automations";
import { sfnVoteCallbacks, type TaskCallbackClient, type VoteCallbacks } from "../lambdas/shared/callbacks";
import type { ExecutionOutput, RequestRecord } from "../lambdas/shared/model";
import { recordDecision, recordExpiry } from "../lambdas/shared/recorder";
import type { RequestStore } from "../lambdas/shared/store";
import { useLocalRequestStore } from "./helpers/dynalite";
import { FakeAutomationClient, stepStatusEvent } from "./helpers/fake-automation-client";

const DOCUMENT = "parallel-approval-dev-approval-ssm";
const fn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:approval-${name}`;
const FUNCTIONS = {
  openRequest: fn("open-request"),
  notifyApprover: fn("notify-approver"),
  recordExpiry: fn("record-expiry"),
  closeRequest: fn("close-request"),
  ssmStart: fn("ssm-start"),
};
const principalOf = (name: string) => `arn:aws:iam::123456789012:role/${name}-approver`;
const sessionOf = (name: string) => `arn:aws:sts::123456789012:assumed-role/${name}-approver/alice`;

function approver(name: string, channel: "link" | "iam"): DefinitionApprover {
  return {
    name,
    channel,
    address: channel === "iam" ? principalOf(name) : `${name}@example.com`,
    topicArn: `arn:aws:sns:eu-west-1:123456789012:Automation-${name}`,
  };
}

/** Step Functions' callback API, answered by the local runner's registry (which throws TaskTimedOut / InvalidToken like the API). */
function registryClient(registry: TaskTokenRegistry): TaskCallbackClient {
  return {
    async send(command) {
      if (command instanceof SendTaskSuccessCommand)
        registry.sendTaskSuccess(command.input.taskToken!, JSON.parse(command.input.output!));
      else registry.sendTaskFailure(command.input.taskToken!, command.input.error, command.input.cause);
      return {};
    },
  };
}

describe("a request with link and iam approvers, run locally end to end", () => {
  let store: RequestStore;
  const executions: LocalExecution[] = [];

  useLocalRequestStore((local) => ({ store } = local));
  afterEach(() => {
    for (const execution of executions.splice(0)) execution.abort();
  });

  interface Run {
    execution: LocalExecution;
    ssm: FakeAutomationClient;
    resultDeps: SsmResultDeps;
    callbacks: VoteCallbacks;
    requestId(): string;
    record(): Promise<RequestRecord>;
    /** Resolves once every approver has been asked (ask stored; automation recorded for iam). */
    untilAsked(): Promise<void>;
    /** What the approval page does for a link approver's POST. */
    decideByLink(approver: string, decision: "approve" | "reject"): Promise<void>;
    /** The automation ssm-start started for an iam approver. */
    automationOf(approver: string): Promise<string>;
  }

  function start(approvers: DefinitionApprover[], quorum: number): Run {
    const registry = createTaskRegistry();
    const ssm = new FakeAutomationClient(DOCUMENT);
    const automations = ssmAutomations(ssm);
    const callbacks = sfnVoteCallbacks(registryClient(registry));
    const published: string[] = [];
    let requestId: string | undefined;

    const invoke = async (functionName: string, payload: any): Promise<unknown> => {
      switch (functionName) {
        case FUNCTIONS.openRequest: {
          const opened = await openRequest(store, payload);
          requestId = opened.requestId;
          return opened;
        }
        case FUNCTIONS.notifyApprover:
          return notifyApprover(
            {
              store,
              publish: async (topicArn) => void published.push(topicArn),
              approvalPageUrl: "https://pages.example.com",
            },
            payload,
          );
        case FUNCTIONS.ssmStart:
          return startIamApproval(
            {
              store,
              automations,
              documentName: DOCUMENT,
              automationRoleArn: "arn:aws:iam::123456789012:role/automation",
            },
            payload,
          );
        case FUNCTIONS.recordExpiry:
          return recordExpiry({ store, callbacks }, payload);
        case FUNCTIONS.closeRequest:
          return closeRequest({ store, automations }, payload);
        default:
          throw new Error(`unknown function ${functionName}`);
      }
    };
    const definition = buildDefinition({ approvers, quorum, timeoutSeconds: 3600, functions: FUNCTIONS });
    const execution = runLocally(
      definition,
      { subject: "Open the firewall for the partner API", requestedBy: "netops" },
      { invoke, registry, retryDelayMs: 0 },
    );
    executions.push(execution);

    const run: Run = {
      execution,
      ssm,
      callbacks,
      resultDeps: { store, callbacks, tasks: registryClient(registry), automations, documentName: DOCUMENT },
      requestId: () => requestId!,
      record: async () => (await store.getRequest(run.requestId()))!,
      async untilAsked() {
        for (;;) {
          if (requestId !== undefined) {
            const asks = (await run.record()).asks;
            const ready = approvers.every(
              (a) =>
                asks[a.name] !== undefined &&
                (a.channel === "link" || asks[a.name].automationExecutionId !== undefined),
            );
            if (ready) return;
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      },
      async decideByLink(name, decision) {
        const ask = await store.getAsk((await run.record()).asks[name].askId);
        const outcome = await recordDecision(
          { store, callbacks },
          { askId: ask!.askId, decision, decidedBy: ask!.address, channel: "link" },
        );
        assert.equal(outcome.kind, "recorded");
      },
      async automationOf(name) {
        return (await run.record()).asks[name].automationExecutionId!;
      },
    };
    return run;
  }

  async function succeeded(execution: LocalExecution): Promise<ExecutionOutput> {
    const result = await execution.result;
    assert.equal(result.status, "SUCCEEDED", `execution ended ${result.status}: ${result.error} ${result.cause}`);
    return result.output as ExecutionOutput;
  }

  it("approves once every approver approved, each through their own channel", async () => {
    const run = start([approver("finance", "link"), approver("security", "iam"), approver("legal", "link")], 3);
    await run.untilAsked();
    await run.decideByLink("finance", "approve");
    const event = run.ssm.decide(
      await run.automationOf("security"),
      "Approve",
      sessionOf("security"),
      "Ports reviewed",
    );
    assert.deepEqual(await recordAutomationResult(run.resultDeps, event), { handled: "decision", outcome: "recorded" });
    await run.decideByLink("legal", "approve");

    const output = await succeeded(run.execution);
    assert.equal(output.outcome, "approved");
    assert.deepEqual(
      output.decisions.map((d) => [d.approver, d.decision, d.channel, d.decidedBy]),
      [
        ["finance", "approve", "link", "finance@example.com"],
        ["security", "approve", "iam", sessionOf("security")],
        ["legal", "approve", "link", "legal@example.com"],
      ],
    );
    assert.equal(output.decisions[1].comment, "Ports reviewed");
  });

  it("ends as soon as the quorum is reached and stops the automation of the iam approver who had not decided", async () => {
    const run = start(
      [approver("finance", "link"), approver("security", "iam"), approver("ops", "iam"), approver("legal", "link")],
      2,
    );
    await run.untilAsked();
    await run.decideByLink("finance", "approve");
    await recordAutomationResult(
      run.resultDeps,
      run.ssm.decide(await run.automationOf("security"), "Approve", principalOf("security")),
    );

    const output = await succeeded(run.execution);
    assert.equal(output.outcome, "approved");
    assert.deepEqual(
      output.decisions.map((d) => [d.approver, d.decision]),
      [
        ["finance", "approve"],
        ["security", "approve"],
        ["ops", "none"],
        ["legal", "none"],
      ],
    );
    const ops = await run.automationOf("ops");
    assert.equal(run.ssm.executions.get(ops)?.AutomationExecutionStatus, "Cancelled", "closing stopped it");
    // The Cancelled event that stop produces changes nothing: the request is closed.
    assert.deepEqual(await recordAutomationResult(run.resultDeps, stepStatusEvent(ops, DOCUMENT, "Cancelled")), {
      handled: "expiry",
      outcome: "closed",
    });
    assert.equal((await run.record()).votes.ops, undefined);
  });

  it("a rejection in the console ends a unanimous request as rejected", async () => {
    const run = start([approver("finance", "link"), approver("security", "iam")], 2);
    await run.untilAsked();
    await recordAutomationResult(
      run.resultDeps,
      run.ssm.decide(await run.automationOf("security"), "Reject", sessionOf("security"), "Not during the freeze"),
    );

    const output = await succeeded(run.execution);
    assert.equal(output.outcome, "rejected");
    assert.deepEqual(
      output.decisions.map((d) => [d.approver, d.decision, d.channel]),
      [
        ["finance", "none", undefined],
        ["security", "reject", "iam"],
      ],
    );
  });

  it("an approve step that times out in SSM expires the approver, and can end the request as expired", async () => {
    const run = start([approver("finance", "link"), approver("security", "iam")], 2);
    await run.untilAsked();
    await recordAutomationResult(run.resultDeps, run.ssm.timeOut(await run.automationOf("security")));

    const output = await succeeded(run.execution);
    assert.equal(output.outcome, "expired");
    assert.deepEqual(output.decisions[1], {
      approver: "security",
      decision: "expired",
      decidedAt: output.decisions[1].decidedAt,
      decidedBy: "deadline",
      channel: "deadline",
    });
  });

  it("an automation cancelled by someone else counts as expired and the others still decide", async () => {
    const run = start([approver("finance", "link"), approver("security", "iam"), approver("legal", "link")], 2);
    await run.untilAsked();
    await recordAutomationResult(run.resultDeps, run.ssm.cancel(await run.automationOf("security")));
    await run.decideByLink("finance", "approve");
    await run.decideByLink("legal", "approve");

    const output = await succeeded(run.execution);
    assert.equal(output.outcome, "approved");
    assert.deepEqual(
      output.decisions.map((d) => [d.approver, d.decision, d.decidedBy]),
      [
        ["finance", "approve", "finance@example.com"],
        ["security", "expired", CANCELLED_BY],
        ["legal", "approve", "legal@example.com"],
      ],
    );
  });

  it("an approve step that fails without a decision fails the execution, closing the request and stopping the other automations", async () => {
    const run = start([approver("finance", "link"), approver("security", "iam"), approver("ops", "iam")], 2);
    await run.untilAsked();
    const event = run.ssm.breakStep(
      await run.automationOf("security"),
      "Failed to publish the approval notification: AuthorizationError",
    );
    assert.deepEqual(await recordAutomationResult(run.resultDeps, event), {
      handled: "channelFailed",
      outcome: "failed",
    });

    const result = await run.execution.result;
    assert.equal(result.status, "FAILED");
    assert.equal(result.error, "Approval.WorkflowFailed");
    assert.match(result.cause ?? "", /security.*AuthorizationError/);
    assert.equal((await run.record()).status, "closed");
    assert.equal(run.ssm.executions.get(await run.automationOf("ops"))?.AutomationExecutionStatus, "Cancelled");
  });
});
