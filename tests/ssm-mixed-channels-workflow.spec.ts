/**
 * Requests with link and iam approvers together: the real definition run by the local runner, the
 * real handlers (open-request, notify-approver, ssm-start, record-expiry, close-request, ssm-result
 * and the decision recorder) on dynalite, a fake SSM client playing the console, and Step Functions
 * callbacks delivered to the runner's task registry. Covers what SSM's own behaviour does to the
 * workflow: decisions, timeouts, cancellations, broken steps, throttled starts (retried with
 * backoff, then only that approver fails) and the same iam approver in two stages.
 */
import { strict as assert } from "node:assert";
import { SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { iamReleaseThrough } from "../channels/iam/release";
import { channelSpec } from "../channels/registry";
import { CHANNEL_THROTTLED_RETRY } from "../core/channel-spec";
import { buildDefinition, branchStateNames, type DefinitionApprover } from "../core/definition";
import { CHANNEL_THROTTLED_ERROR } from "../core/errors";
import type { ExecutionOutput, RequestRecord } from "../core/model";
import { recordDecision } from "../core/recorder";
import type { RequestStore } from "../core/ports";
import { useLocalRequestStore } from "../devkit/dynalite";
import { sfnTaskCallbacks, type TaskCallbackClient } from "../lambdas/adapters/callbacks";
import { ssmAutomations } from "../lambdas/adapters/ssm-automations";
import { handleClose } from "../lambdas/close-request/index";
import { notifyApprover } from "../lambdas/notify-approver/index";
import { openRequest } from "../lambdas/open-request/index";
import { recordExpiry } from "../lambdas/record-expiry/index";
import { recordAutomationResult, type SsmResultDeps } from "../lambdas/ssm-result/index";
import { startIamApproval } from "../lambdas/ssm-start/index";
import {
  createTaskRegistry,
  runLocally,
  type LocalExecution,
  type TaskTokenRegistry,
} from "../local/state-machine-runner";
import {
  FakeAutomationClient,
  namedError,
  stepStatusEvent,
  type ScriptedFailure,
} from "./helpers/fake-automation-client";
import { automationTopicOf, principalOf, RETENTION_DAYS, sessionOf } from "./helpers/iam-requests";

const DOCUMENT = "parallel-approval-dev-approval-ssm-63b8e0e1";
const fn = (key: string) => `arn:aws:lambda:eu-west-1:123456789012:function:approval-${key}`;
const FUNCTIONS = Object.fromEntries(
  ["open-request", "notify-approver", "record-expiry", "close-request", "ssm-start"].map((key) => [key, fn(key)]),
);
const BRANCHES = { link: channelSpec("link").branch, iam: channelSpec("iam").branch };
const TIMEOUT_SECONDS = 3600;

function approver(name: string, channel: "link" | "iam"): DefinitionApprover {
  return {
    name,
    channel,
    mode: "vote",
    address: channel === "iam" ? principalOf(name) : `${name}@example.com`,
    topicArn: automationTopicOf(name),
    options: {},
  };
}

interface TestStage {
  name: string;
  quorum: number;
  approvers: DefinitionApprover[];
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

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("requests with link and iam approvers, run locally end to end", () => {
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
    /** Payloads ssm-start was invoked with, one per attempt. */
    ssmStarts: Array<{ approver: string; stage: number }>;
    record(): Promise<RequestRecord>;
    /** Polls the request record until `ready` holds (the workflow runs concurrently). */
    until(ready: (record: RequestRecord) => boolean): Promise<RequestRecord>;
    /** Resolves once every approver of the stage has been asked (ask stored; automation recorded for iam). */
    untilAsked(stage: number, names?: string[]): Promise<void>;
    /** What the approval page does for a link approver's POST. */
    decideByLink(stage: number, approver: string, decision: "approve" | "reject"): Promise<void>;
    /** The automation ssm-start started (and recorded) for an iam approver in a stage. */
    automationOf(stage: number, approver: string): Promise<string>;
    output(): Promise<ExecutionOutput>;
  }

  function start(stages: TestStage[], ssmFailures: ScriptedFailure[] = []): Run {
    const registry = createTaskRegistry();
    const ssm = new FakeAutomationClient(DOCUMENT);
    ssm.failures.push(...ssmFailures);
    const automations = ssmAutomations(ssm);
    const callbacks = sfnTaskCallbacks(registryClient(registry));
    const ssmStarts: Run["ssmStarts"] = [];
    let requestId: string | undefined;

    const invoke = async (functionName: string, payload: any): Promise<unknown> => {
      switch (functionName) {
        case FUNCTIONS["open-request"]: {
          const opened = await openRequest(store, payload, RETENTION_DAYS);
          requestId = opened.requestId;
          return opened;
        }
        case FUNCTIONS["notify-approver"]:
          return notifyApprover(
            {
              store,
              publish: async () => undefined,
              isReachable: async () => true,
              approvalPageUrl: "https://pages.example.com/",
            },
            payload,
          );
        case FUNCTIONS["ssm-start"]:
          ssmStarts.push({ approver: payload.approver.name, stage: payload.stage.index });
          return startIamApproval(
            {
              store,
              automations,
              documentName: DOCUMENT,
              automationRoleArn: "arn:aws:iam::123456789012:role/automation",
            },
            payload,
          );
        case FUNCTIONS["record-expiry"]:
          return recordExpiry({ store }, payload);
        case FUNCTIONS["close-request"]:
          return handleClose({ store, releases: { iam: iamReleaseThrough(() => automations) } }, payload);
        default:
          throw new Error(`unknown function ${functionName}`);
      }
    };
    const definition = buildDefinition({
      stages: stages.map((stage) => ({ ...stage, timeoutSeconds: TIMEOUT_SECONDS })),
      functions: FUNCTIONS,
      branches: BRANCHES,
    });
    const execution = runLocally(
      definition,
      { subject: "Open the firewall for the partner API", requestedBy: "netops" },
      { invoke, registry, retryDelayMs: 0 },
    );
    executions.push(execution);

    const run: Run = {
      execution,
      ssm,
      ssmStarts,
      resultDeps: { store, callbacks, automations, documentName: DOCUMENT },
      record: async () => (await store.getRequest(requestId!))!,
      async until(ready) {
        for (;;) {
          if (requestId !== undefined) {
            const record = await run.record();
            if (ready(record)) return record;
          }
          const settled = await Promise.race([execution.result.then(() => true), pause().then(() => false)]);
          if (settled && requestId !== undefined) {
            const record = await run.record();
            if (ready(record)) return record;
            throw new Error(`the execution ended before the awaited state: ${JSON.stringify(record.stages)}`);
          }
        }
      },
      async untilAsked(stage, names = stages[stage].approvers.map((a) => a.name)) {
        await run.until((record) =>
          names.every((name) => {
            const ask = record.stages[stage].asks[name];
            const channel = stages[stage].approvers.find((a) => a.name === name)!.channel;
            return ask !== undefined && (channel === "link" || ask.automationExecutionId !== undefined);
          }),
        );
      },
      async decideByLink(stage, name, decision) {
        const askId = (await run.record()).stages[stage].asks[name].askId;
        const outcome = await recordDecision({ store, callbacks }, { askId, decision, channel: "link" });
        assert.equal(outcome.kind, "recorded");
      },
      async automationOf(stage, name) {
        return (await run.record()).stages[stage].asks[name].automationExecutionId!;
      },
      async output() {
        const result = await execution.result;
        assert.equal(result.status, "SUCCEEDED", `execution ended ${result.status}: ${result.error} ${result.cause}`);
        return result.output as ExecutionOutput;
      },
    };
    return run;
  }

  const oneStage = (quorum: number, ...approvers: DefinitionApprover[]): TestStage[] => [
    { name: "approval", quorum, approvers },
  ];
  const decisionsOf = (output: ExecutionOutput) => output.decisions.map((d) => [d.approver, d.decision]);

  it("approves once every approver approved, each through their own channel", async () => {
    const run = start(oneStage(3, approver("finance", "link"), approver("security", "iam"), approver("legal", "link")));
    await run.untilAsked(0);
    await run.decideByLink(0, "finance", "approve");
    const event = run.ssm.decide(
      await run.automationOf(0, "security"),
      "Approve",
      sessionOf("security"),
      "Ports reviewed",
    );
    assert.deepEqual(await recordAutomationResult(run.resultDeps, event), { handled: "decision", outcome: "recorded" });
    await run.decideByLink(0, "legal", "approve");

    const output = await run.output();
    assert.equal(output.outcome, "approved");
    assert.deepEqual(
      output.decisions.map((d) => [d.stage, d.approver, d.decision, d.channel, d.decidedBy]),
      [
        ["approval", "finance", "approve", "link", "finance@example.com"],
        ["approval", "security", "approve", "iam", sessionOf("security")],
        ["approval", "legal", "approve", "link", "legal@example.com"],
      ],
    );
    assert.equal(output.decisions[1].comment, "Ports reviewed");
    assert.deepEqual(run.ssm.tags.get(await run.automationOf(0, "security")), {
      "parallel-approval:document": DOCUMENT,
    });
  });

  it("ends as soon as the quorum is reached and stops the automation of the iam approver who had not decided", async () => {
    const run = start(
      oneStage(
        2,
        approver("finance", "link"),
        approver("security", "iam"),
        approver("ops", "iam"),
        approver("legal", "link"),
      ),
    );
    await run.untilAsked(0);
    await run.decideByLink(0, "finance", "approve");
    await recordAutomationResult(
      run.resultDeps,
      run.ssm.decide(await run.automationOf(0, "security"), "Approve", principalOf("security")),
    );

    const output = await run.output();
    assert.equal(output.outcome, "approved");
    assert.deepEqual(decisionsOf(output), [
      ["finance", "approve"],
      ["security", "approve"],
      ["ops", "none"],
      ["legal", "none"],
    ]);
    const ops = await run.automationOf(0, "ops");
    assert.equal(run.ssm.statusOf(ops), "Cancelled", "closing stopped it");
    // The Cancelled event that stop produces changes nothing: the request is closed.
    assert.deepEqual(await recordAutomationResult(run.resultDeps, stepStatusEvent(ops, DOCUMENT, "Cancelled")), {
      handled: "noVerdict",
      decision: "failed",
      recorded: false,
    });
    assert.equal((await run.record()).stages[0].votes.ops, undefined);
  });

  it("a rejection in the console ends a unanimous request as rejected", async () => {
    const run = start(oneStage(2, approver("finance", "link"), approver("security", "iam")));
    await run.untilAsked(0);
    await recordAutomationResult(
      run.resultDeps,
      run.ssm.decide(await run.automationOf(0, "security"), "Reject", sessionOf("security"), "Not during the freeze"),
    );

    const output = await run.output();
    assert.equal(output.outcome, "rejected");
    assert.equal(output.endedInStage, "approval");
    assert.equal(output.stages[0].outcome, "rejected");
    assert.deepEqual(
      output.decisions.map((d) => [d.approver, d.decision, d.channel]),
      [
        ["finance", "none", undefined],
        ["security", "reject", "iam"],
      ],
    );
  });

  it("an approve step that times out in SSM expires the approver, and can end the request as expired", async () => {
    const run = start(oneStage(2, approver("finance", "link"), approver("security", "iam")));
    await run.untilAsked(0);
    await recordAutomationResult(run.resultDeps, run.ssm.timeOut(await run.automationOf(0, "security")));

    const output = await run.output();
    assert.equal(output.outcome, "expired");
    assert.deepEqual(output.decisions[1], {
      stage: "approval",
      approver: "security",
      decision: "expired",
      reason: "the SSM approval timed out",
      decidedAt: output.decisions[1].decidedAt,
      decidedBy: "deadline",
      channel: "deadline",
    });
  });

  it("an automation cancelled by someone else counts as a failed part and the others still decide", async () => {
    const run = start(oneStage(2, approver("finance", "link"), approver("security", "iam"), approver("legal", "link")));
    await run.untilAsked(0);
    await recordAutomationResult(run.resultDeps, run.ssm.cancel(await run.automationOf(0, "security")));
    await run.decideByLink(0, "finance", "approve");
    await run.decideByLink(0, "legal", "approve");

    const output = await run.output();
    assert.equal(output.outcome, "approved");
    assert.deepEqual(
      output.decisions.map((d) => [d.approver, d.decision, d.reason]),
      [
        ["finance", "approve", undefined],
        ["security", "failed", "the SSM automation was cancelled before a decision"],
        ["legal", "approve", undefined],
      ],
    );
  });

  it("an approve step that fails without a decision ends only that approver's part; when the quorum is out of reach the request ends as expired and the other automation stops", async () => {
    const run = start(oneStage(3, approver("finance", "link"), approver("security", "iam"), approver("ops", "iam")));
    await run.untilAsked(0);
    const event = run.ssm.breakStep(
      await run.automationOf(0, "security"),
      "Failed to publish the approval notification: AuthorizationError",
    );
    assert.deepEqual(await recordAutomationResult(run.resultDeps, event), {
      handled: "noVerdict",
      decision: "failed",
      recorded: true,
    });

    const output = await run.output();
    assert.equal(output.outcome, "expired", "the execution succeeds: a broken channel is not a technical failure");
    assert.match(String(output.decisions[1].reason), /AuthorizationError/);
    assert.equal((await run.record()).status, "closed");
    assert.equal(run.ssm.statusOf(await run.automationOf(0, "ops")), "Cancelled");
  });

  describe("SSM refusing to start an approver's automation", () => {
    const throttled = (approverName: string, name = "AutomationExecutionLimitExceededException"): ScriptedFailure => ({
      operation: "StartAutomationExecution",
      error: namedError(
        name,
        "The number of simultaneously running Automation executions exceeded the allowable limit.",
      ),
      when: (input) => (input.Parameters as Record<string, string[]>).Approvers[0] === principalOf(approverName),
    });
    const correlationIdsOf = (run: Run) =>
      run.ssm.calls
        .filter((call) => call.operation === "StartAutomationExecution")
        .map((call) => (call.input.Parameters as Record<string, string[]>).CorrelationId[0]);

    it("the definition retries Approval.ChannelThrottled with backoff on the iam ask", () => {
      const definition = buildDefinition({
        stages: [
          { name: "approval", quorum: 1, timeoutSeconds: TIMEOUT_SECONDS, approvers: [approver("security", "iam")] },
        ],
        functions: FUNCTIONS,
        branches: BRANCHES,
      });
      const branch = (definition.States["Stage 1 approval"] as { Branches: Array<{ States: Record<string, any> }> })
        .Branches[0];
      const retry = branch.States[branchStateNames(0, "security").ask].Retry as Array<Record<string, unknown>>;
      const retrier = retry.find((r) => (r.ErrorEquals as string[]).includes(CHANNEL_THROTTLED_ERROR));
      assert.deepEqual(retrier, CHANNEL_THROTTLED_RETRY);
      assert.ok((retrier!.BackoffRate as number) > 1 && (retrier!.MaxAttempts as number) >= 3);
    });

    it("past the account's limit on every attempt: retried, then only that approver is recorded as failed while the others decide", async () => {
      const attempts = 1 + CHANNEL_THROTTLED_RETRY.MaxAttempts!;
      const run = start(
        oneStage(2, approver("finance", "link"), approver("security", "iam"), approver("legal", "link")),
        Array.from({ length: attempts }, () => throttled("security")),
      );
      const record = await run.until((r) => r.stages[0].votes.security !== undefined);
      assert.equal(record.stages[0].votes.security.decision, "failed");
      assert.match(String(record.stages[0].votes.security.reason), /stayed throttled after every retry/);
      assert.equal(run.ssmStarts.length, attempts, "the first attempt and every retry");
      assert.equal(new Set(correlationIdsOf(run)).size, 1, "every attempt reuses the approver's ask id");
      assert.deepEqual(run.ssm.startedIds(), [], "no automation was ever started for security");

      await run.untilAsked(0, ["finance", "legal"]);
      await run.decideByLink(0, "finance", "approve");
      await run.decideByLink(0, "legal", "approve");
      const output = await run.output();
      assert.equal(output.outcome, "approved");
      assert.deepEqual(decisionsOf(output), [
        ["finance", "approve"],
        ["security", "failed"],
        ["legal", "approve"],
      ]);
    });

    it("throttled twice, then started: the approver is asked under the same ask id and their decision counts", async () => {
      const run = start(oneStage(2, approver("finance", "link"), approver("security", "iam")), [
        throttled("security", "ThrottlingException"),
        throttled("security"),
      ]);
      await run.untilAsked(0);
      assert.equal(run.ssmStarts.length, 3);
      assert.equal(new Set(correlationIdsOf(run)).size, 1);
      assert.equal(run.ssm.startedIds().length, 1);
      await run.decideByLink(0, "finance", "approve");
      await recordAutomationResult(
        run.resultDeps,
        run.ssm.decide(await run.automationOf(0, "security"), "Approve", principalOf("security")),
      );
      const output = await run.output();
      assert.equal(output.outcome, "approved");
    });

    it("any other refusal is not retried: that approver is recorded as failed at once", async () => {
      const run = start(oneStage(1, approver("finance", "link"), approver("security", "iam")), [
        { operation: "StartAutomationExecution", error: namedError("AccessDeniedException", "not authorized") },
      ]);
      const record = await run.until((r) => r.stages[0].votes.security !== undefined);
      assert.equal(record.stages[0].votes.security.decision, "failed");
      assert.match(String(record.stages[0].votes.security.reason), /AccessDeniedException/);
      assert.equal(run.ssmStarts.length, 1);
      await run.untilAsked(0, ["finance"]);
      await run.decideByLink(0, "finance", "approve");
      assert.equal((await run.output()).outcome, "approved");
    });
  });

  it("the same iam approver in two stages: a new automation and ask id per stage, each vote counted in its own stage", async () => {
    const run = start([
      { name: "pre-review", quorum: 1, approvers: [approver("security", "iam")] },
      { name: "owners", quorum: 2, approvers: [approver("finance", "link"), approver("security", "iam")] },
    ]);
    await run.untilAsked(0);
    const first = await run.automationOf(0, "security");
    const firstEvent = run.ssm.decide(first, "Approve", principalOf("security"), "Design is fine");
    await recordAutomationResult(run.resultDeps, firstEvent);

    await run.untilAsked(1);
    const second = await run.automationOf(1, "security");
    assert.notEqual(second, first);
    const record = await run.record();
    assert.notEqual(record.stages[1].asks.security.askId, record.stages[0].asks.security.askId);
    // A replay of the stage-1 event decides nothing in stage 2.
    assert.deepEqual(await recordAutomationResult(run.resultDeps, firstEvent), {
      handled: "decision",
      outcome: "refused: alreadyDecided",
    });
    assert.equal((await run.record()).stages[1].votes.security, undefined);

    await recordAutomationResult(
      run.resultDeps,
      run.ssm.decide(second, "Approve", principalOf("security"), "Rollout plan is fine"),
    );
    await run.decideByLink(1, "finance", "approve");
    const output = await run.output();
    assert.equal(output.outcome, "approved");
    assert.deepEqual(
      output.stages.map((stage) => [stage.name, stage.outcome]),
      [
        ["pre-review", "approved"],
        ["owners", "approved"],
      ],
    );
    assert.deepEqual(
      output.decisions.map((d) => [d.stage, d.approver, d.decision, d.comment]),
      [
        ["pre-review", "security", "approve", "Design is fine"],
        ["owners", "finance", "approve", undefined],
        ["owners", "security", "approve", "Rollout plan is fine"],
      ],
    );
  });
});
