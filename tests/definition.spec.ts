/**
 * The state-machine definition: valid ASL for any approver list, and, run by the local runner
 * against in-memory fake Lambdas, the request lifecycle of DESIGN.md end to end.
 */
import { strict as assert } from "node:assert";
import {
  buildDefinition,
  WORKFLOW_FAILED_ERROR,
  type AslBranch,
  type AslDefinition,
  type DefinitionApprover,
} from "../components/definition";
import { createTaskRegistry, runLocally, type LocalExecution } from "../local/state-machine-runner";
import {
  INVALID_INPUT_ERROR,
  type AskApproverEvent,
  type Channel,
  type ExecutionOutput,
} from "../lambdas/shared/model";
import { FAKE_FUNCTIONS, FakeApprovalLambdas } from "./helpers/fake-approval-lambdas";

function approver(name: string, channel: Channel = "link"): DefinitionApprover {
  return {
    name,
    channel,
    address: channel === "iam" ? `arn:aws:iam::123456789012:role/${name}` : `${name}@example.com`,
    topicArn: `arn:aws:sns:eu-west-1:123456789012:Automation-approval-${name}`,
  };
}

// asl-validator ships no type declarations.
const validateAsl: (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
} = require("asl-validator");

const names = (count: number) => Array.from({ length: count }, (_, i) => `approver-${i + 1}`);

function allStateNames(branch: AslBranch): string[] {
  return Object.entries(branch.States).flatMap(([name, state]) => [
    name,
    ...(state.Type === "Parallel" ? state.Branches.flatMap(allStateNames) : []),
  ]);
}

// Executions started by a test; aborted afterwards in case an assertion failed mid-run, so no
// task timer outlives its test.
const started: LocalExecution[] = [];

interface Scenario {
  approvers: DefinitionApprover[];
  quorum: number;
  timeoutSeconds?: number;
  input?: unknown;
}

function start({
  approvers,
  quorum,
  timeoutSeconds = 3600,
  input = { subject: "Deploy v2", details: "to prod" },
}: Scenario) {
  const registry = createTaskRegistry();
  const lambdas = new FakeApprovalLambdas(registry);
  const definition = buildDefinition({ approvers, quorum, timeoutSeconds, functions: FAKE_FUNCTIONS });
  const execution = runLocally(definition, input, { invoke: lambdas.invoke, registry, retryDelayMs: 0 });
  started.push(execution);
  return { lambdas, execution, registry };
}

async function succeeded(execution: LocalExecution): Promise<ExecutionOutput> {
  const result = await execution.result;
  assert.equal(result.status, "SUCCEEDED", `execution ended ${result.status}: ${result.error} ${result.cause}`);
  const output = result.output as ExecutionOutput;
  assert.deepEqual(Object.keys(output).sort(), ["decisions", "outcome", "request"]);
  return output;
}

const decisionsOf = (output: ExecutionOutput) => output.decisions.map((d) => [d.approver, d.decision]);

function assertTokenRefused(
  lambdas: FakeApprovalLambdas,
  registry: ReturnType<typeof createTaskRegistry>,
  name: string,
) {
  assert.throws(() => registry.sendTaskSuccess(lambdas.tokenOf(name), { approver: name, decision: "approve" }), {
    name: "TaskTimedOut",
  });
}

afterEach(() => {
  for (const execution of started.splice(0)) execution.abort();
});

describe("state machine definition", () => {
  describe("structure", () => {
    const cases: [string, DefinitionApprover[]][] = [
      ["1 approver", [approver("finance")]],
      ["3 approvers", names(3).map((n) => approver(n))],
      ["25 approvers", names(25).map((n) => approver(n))],
      ["mixed link and iam approvers", [approver("finance"), approver("security", "iam"), approver("legal")]],
    ];
    for (const [label, approvers] of cases) {
      it(`is valid ASL with unique state names for ${label}`, () => {
        const definition = buildDefinition({ approvers, quorum: 1, timeoutSeconds: 259200, functions: FAKE_FUNCTIONS });
        // asl-validator mutates its input: validate a copy.
        const { isValid, errorsText } = validateAsl(structuredClone(definition));
        assert.ok(isValid, errorsText("\n"));
        const stateNames = allStateNames(definition);
        assert.equal(new Set(stateNames).size, stateNames.length, "state names repeat");
        const parallel = Object.values(definition.States).find((state) => state.Type === "Parallel");
        assert.equal(parallel?.Type === "Parallel" && parallel.Branches.length, approvers.length);
      });
    }

    it("asks iam approvers through ssmStart and link approvers through notifyApprover, in config order", () => {
      const definition: AslDefinition = buildDefinition({
        approvers: [approver("finance"), approver("security", "iam")],
        quorum: 2,
        timeoutSeconds: 60,
        functions: FAKE_FUNCTIONS,
      });
      const parallel = Object.values(definition.States).find((state) => state.Type === "Parallel");
      assert.ok(parallel?.Type === "Parallel");
      const askFunctions = parallel.Branches.map((branch) => {
        const ask = branch.States[branch.StartAt];
        assert.ok(ask.Type === "Task");
        assert.equal(ask.Resource, "arn:aws:states:::lambda:invoke.waitForTaskToken");
        assert.equal(ask.TimeoutSeconds, 60);
        return [branch.StartAt, ask.Parameters?.FunctionName];
      });
      assert.deepEqual(askFunctions, [
        ["Ask finance", FAKE_FUNCTIONS.notifyApprover],
        ["Ask security", FAKE_FUNCTIONS.ssmStart],
      ]);
    });

    it("refuses an iam approver when no ssmStart function is given", () => {
      const { ssmStart: _omitted, ...withoutSsm } = FAKE_FUNCTIONS;
      assert.throws(
        () =>
          buildDefinition({
            approvers: [approver("security", "iam")],
            quorum: 1,
            timeoutSeconds: 60,
            functions: withoutSsm,
          }),
        /security.*ssmStart/,
      );
    });

    it("refuses approver lists that would break state names or the quorum", () => {
      const build =
        (approvers: DefinitionApprover[], quorum = 1) =>
        () =>
          buildDefinition({ approvers, quorum, timeoutSeconds: 60, functions: FAKE_FUNCTIONS });
      assert.throws(build([]), /at least one approver/);
      assert.throws(build([approver("finance"), approver("finance")]), /listed twice/);
      assert.throws(build([approver("Finance Team")]), /must match/);
      assert.throws(build([approver("finance")], 2), /quorum 2/);
    });
  });

  describe("executed locally", () => {
    it("approves when every approver approves, in 4 + N state transitions", async () => {
      const approvers = ["finance", "security", "legal"].map((n) => approver(n));
      const { lambdas, execution } = start({ approvers, quorum: 3 });
      await lambdas.untilAsked(3);
      assert.equal(lambdas.decide("finance", "approve").signal, "none");
      assert.equal(lambdas.decide("security", "approve").signal, "none");
      assert.deepEqual(lambdas.decide("legal", "approve"), { signal: "quorumReached", delivery: "delivered" });

      const output = await succeeded(execution);
      assert.equal(output.outcome, "approved");
      assert.deepEqual(decisionsOf(output), [
        ["finance", "approve"],
        ["security", "approve"],
        ["legal", "approve"],
      ]);
      assert.equal(output.request.subject, "Deploy v2");
      assert.deepEqual(output.request.approvers, ["finance", "security", "legal"]);
      assert.ok(output.request.closedAt);
      // Validate input, Open request, Collect decisions, 3 x Ask, Close request.
      assert.equal((await execution.result).transitions, 4 + 3);
    });

    it("passes each approver the request, its own token and its deadline", async () => {
      const approvers = ["finance", "security"].map((n) => approver(n));
      const { lambdas, execution } = start({ approvers, quorum: 1, timeoutSeconds: 120 });
      await lambdas.untilAsked(2);
      const asks = lambdas.invocationsOf("notifyApprover").map((i) => i.payload as AskApproverEvent);
      assert.deepEqual(
        asks.map((a) => a.approver).sort((a, b) => a.name.localeCompare(b.name)),
        [
          { name: "finance", address: "finance@example.com", topicArn: approvers[0].topicArn },
          { name: "security", address: "security@example.com", topicArn: approvers[1].topicArn },
        ],
      );
      assert.ok(
        asks.every((a) => a.timeoutSeconds === 120 && a.request.subject === "Deploy v2" && a.requestId === "req-1"),
      );
      assert.notEqual(asks[0].taskToken, asks[1].taskToken);

      const open = lambdas.invocationsOf("openRequest")[0].payload;
      assert.deepEqual(open.approvers, ["finance", "security"]);
      assert.equal(open.quorum, 1);
      assert.equal(open.executionArn, execution.executionArn);
      assert.deepEqual(open.input, { subject: "Deploy v2", details: "to prod" });

      lambdas.decide("security", "approve");
      assert.equal((await succeeded(execution)).outcome, "approved");
    });

    it("rejects at once when one approver rejects and all must approve; the other tasks stop waiting", async () => {
      const approvers = ["finance", "security", "legal"].map((n) => approver(n));
      const { lambdas, execution, registry } = start({ approvers, quorum: 3 });
      await lambdas.untilAsked(3);
      assert.deepEqual(lambdas.decide("security", "reject"), { signal: "rejected", delivery: "delivered" });

      const output = await succeeded(execution);
      assert.equal(output.outcome, "rejected");
      assert.deepEqual(decisionsOf(output), [
        ["finance", "none"],
        ["security", "reject"],
        ["legal", "none"],
      ]);
      assertTokenRefused(lambdas, registry, "finance");
      assertTokenRefused(lambdas, registry, "legal");
      assert.deepEqual(registry.waiting(), []);
      assert.equal(lambdas.invocationsOf("recordExpiry").length, 0);
    });

    it("approves as soon as 2 of 3 approve, without the third", async () => {
      const approvers = ["finance", "security", "legal"].map((n) => approver(n));
      const { lambdas, execution, registry } = start({ approvers, quorum: 2 });
      await lambdas.untilAsked(3);
      lambdas.decide("finance", "approve");
      assert.equal(lambdas.decide("legal", "approve").signal, "quorumReached");

      const output = await succeeded(execution);
      assert.equal(output.outcome, "approved");
      assert.deepEqual(decisionsOf(output), [
        ["finance", "approve"],
        ["security", "none"],
        ["legal", "approve"],
      ]);
      assertTokenRefused(lambdas, registry, "security");
    });

    it("rejects once the quorum can no longer be reached", async () => {
      const approvers = ["finance", "security", "legal"].map((n) => approver(n));
      const { lambdas, execution } = start({ approvers, quorum: 2 });
      await lambdas.untilAsked(3);
      assert.equal(lambdas.decide("finance", "reject").signal, "none");
      assert.equal(lambdas.decide("security", "approve").signal, "none");
      assert.equal(lambdas.decide("legal", "reject").signal, "rejected");

      const output = await succeeded(execution);
      assert.equal(output.outcome, "rejected");
      assert.deepEqual(decisionsOf(output), [
        ["finance", "reject"],
        ["security", "approve"],
        ["legal", "reject"],
      ]);
    });

    it("expires through the expiry path when a deadline passes and the quorum becomes unreachable", async () => {
      const approvers = ["finance", "security"].map((n) => approver(n));
      const { lambdas, execution } = start({ approvers, quorum: 2, timeoutSeconds: 1 });
      await lambdas.untilAsked(2);
      lambdas.decide("finance", "approve");

      const output = await succeeded(execution);
      assert.equal(output.outcome, "expired");
      assert.deepEqual(decisionsOf(output), [
        ["finance", "approve"],
        ["security", "expired"],
      ]);
      assert.deepEqual(
        lambdas.expiryResultsOf("security").map((r) => r.signal),
        ["expired"],
      );
      assert.equal(output.decisions[1].channel, "deadline");
      assert.equal(lambdas.invocationsOf("recordExpiry").length, 1, "only the silent approver expires");
    });

    it("ends a branch with the recorded expiry when it leaves the quorum reachable", async () => {
      const approvers = ["finance", "security", "legal"].map((n) => approver(n));
      const { lambdas, execution } = start({ approvers, quorum: 1, timeoutSeconds: 1 });

      const output = await succeeded(execution);
      assert.equal(output.outcome, "expired");
      const signals = ["finance", "security", "legal"].flatMap((n) => lambdas.expiryResultsOf(n).map((r) => r.signal));
      assert.deepEqual(signals.sort(), ["expired", "none", "none"]);
      const recorded = execution.events.filter(
        (e) => e.type === "StateEntered" && e.state.name.startsWith("Expiry recorded "),
      );
      assert.equal(recorded.length, 2, "the two expiries that changed nothing ended their branches normally");
    });

    it("stays approved when a deadline passes after the quorum was reached", async () => {
      const approvers = ["finance", "security"].map((n) => approver(n));
      const { lambdas, execution } = start({ approvers, quorum: 1, timeoutSeconds: 1 });
      await lambdas.untilAsked(2);
      // The approval reaches the quorum but its callback is lost, so both deadlines pass.
      assert.deepEqual(lambdas.decide("finance", "approve", { callbackLost: true }), {
        signal: "quorumReached",
        delivery: "lost",
      });

      const output = await succeeded(execution);
      assert.equal(output.outcome, "approved");
      assert.equal(output.decisions[0].approver, "finance");
      assert.equal(output.decisions[0].decision, "approve");
      // The approver's own expiry hands the workflow the lost signal ...
      assert.deepEqual(
        lambdas.expiryResultsOf("finance").map((r) => [r.signal, r.decision.decision]),
        [["quorumReached", "approve"]],
      );
      // ... and the late approver's deadline changes nothing.
      assert.ok(lambdas.expiryResultsOf("security").every((r) => r.signal === "none"));
      assert.notEqual(output.decisions[1].decision, "approve");
      assert.notEqual(output.decisions[1].decision, "reject");
    });

    for (const [label, input] of [
      ["missing", { details: "no subject" }],
      ["not a string", { subject: 42 }],
    ] as const) {
      it(`fails with ${INVALID_INPUT_ERROR} and notifies nobody when the subject is ${label}`, async () => {
        const { lambdas, execution } = start({ approvers: [approver("finance")], quorum: 1, input });
        const result = await execution.result;
        assert.equal(result.status, "FAILED");
        assert.equal(result.error, INVALID_INPUT_ERROR);
        assert.match(result.cause ?? "", /"subject" string/);
        assert.deepEqual(lambdas.invocations, [], "no Lambda ran");
      });
    }

    it(`fails with ${INVALID_INPUT_ERROR}, without retrying, when open-request rejects the input`, async () => {
      const { lambdas, execution } = start({ approvers: [approver("finance")], quorum: 1, input: { subject: "  " } });
      const result = await execution.result;
      assert.equal(result.status, "FAILED");
      assert.equal(result.error, INVALID_INPUT_ERROR);
      assert.equal(lambdas.invocationsOf("openRequest").length, 1);
      assert.equal(lambdas.invocationsOf("notifyApprover").length, 0);
    });

    it("asks iam approvers through ssm-start and link approvers through notify-approver", async () => {
      const approvers = [approver("finance"), approver("security", "iam"), approver("legal")];
      const { lambdas, execution } = start({ approvers, quorum: 3 });
      await lambdas.untilAsked(3);
      assert.deepEqual(
        lambdas.invocationsOf("ssmStart").map((i) => i.payload.approver.name),
        ["security"],
      );
      assert.deepEqual(
        lambdas
          .invocationsOf("notifyApprover")
          .map((i) => i.payload.approver.name)
          .sort(),
        ["finance", "legal"],
      );
      assert.equal(
        lambdas.invocationsOf("ssmStart")[0].payload.approver.address,
        "arn:aws:iam::123456789012:role/security",
      );
      for (const name of ["finance", "security", "legal"]) lambdas.decide(name, "approve");

      const output = await succeeded(execution);
      assert.equal(output.outcome, "approved");
      assert.deepEqual(
        output.decisions.map((d) => d.channel),
        ["link", "iam", "link"],
      );
    });

    it("retries a throttled Lambda and counts the retry as a transition", async () => {
      const { lambdas, execution, registry } = start({ approvers: [approver("finance")], quorum: 1 });
      lambdas.failNext("notifyApprover", "Lambda.TooManyRequestsException");
      await lambdas.untilAsked(1);
      assert.equal(lambdas.invocationsOf("notifyApprover").length, 2);
      lambdas.decide("finance", "approve");

      assert.equal((await succeeded(execution)).outcome, "approved");
      assert.equal((await execution.result).transitions, 4 + 1 + 1);
      // The failed attempt's token was never stored and is not accepted.
      const firstToken = lambdas.invocationsOf("notifyApprover")[0].payload.taskToken;
      assert.throws(() => registry.sendTaskSuccess(firstToken, {}), { name: "TaskTimedOut" });
    });

    it(`closes the request and fails with ${WORKFLOW_FAILED_ERROR} when a branch fails for a technical reason`, async () => {
      const { lambdas, execution } = start({ approvers: [approver("finance")], quorum: 1, timeoutSeconds: 1 });
      lambdas.failNext("recordExpiry", "Approval.RequestNotFound");

      const result = await execution.result;
      assert.equal(result.status, "FAILED");
      assert.equal(result.error, WORKFLOW_FAILED_ERROR);
      assert.match(result.cause ?? "", /Approval\.RequestNotFound/);
      assert.deepEqual(
        lambdas.invocationsOf("closeRequest").map((i) => i.payload),
        [{ requestId: "req-1", failed: true }],
      );
    });
  });
});
