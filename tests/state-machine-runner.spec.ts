/**
 * The local runner on small hand-written machines: how it serves Lambda tasks, task tokens,
 * timeouts, errors, aborts and the transition count that the benchmarks rely on.
 */
import { strict as assert } from "node:assert";
import { createTaskRegistry, runLocally, type LocalExecution, type LocalInvoke } from "../local/state-machine-runner";

const FN = "arn:aws:lambda:eu-west-1:123456789012:function:worker";

const waitTask = (next: { End: true } | { Next: string }, timeoutSeconds = 3600) => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
  Parameters: {
    FunctionName: FN,
    Payload: { "token.$": "$$.Task.Token", "execution.$": "$$.Execution.Id", "input.$": "$" },
  },
  TimeoutSeconds: timeoutSeconds,
  ...next,
});

/** Records invocations; `waitForInvocations(n)` resolves once n happened. */
function recordingInvoke(respond: (payload: any) => unknown = () => ({ ok: true })) {
  const calls: { functionName: string; payload: any }[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const invoke: LocalInvoke = async (functionName, payload) => {
    calls.push({ functionName, payload });
    for (const waiter of waiters.filter((w) => calls.length >= w.count)) waiter.resolve();
    return respond(payload);
  };
  const waitForInvocations = (count: number) =>
    calls.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }));
  return { invoke, calls, waitForInvocations };
}

const started: LocalExecution[] = [];
const track = (execution: LocalExecution) => (started.push(execution), execution);
afterEach(() => {
  for (const execution of started.splice(0)) execution.abort();
});

describe("local state machine runner", () => {
  it("gives every waiting task its own token and the execution's ARN", async () => {
    const definition = {
      StartAt: "Both",
      States: {
        Both: {
          Type: "Parallel",
          Branches: [
            { StartAt: "Wait a", States: { "Wait a": waitTask({ End: true }) } },
            { StartAt: "Wait b", States: { "Wait b": waitTask({ End: true }) } },
          ],
          End: true,
        },
      },
    };
    const { invoke, calls, waitForInvocations } = recordingInvoke();
    const executionArn = "arn:aws:states:eu-west-1:123456789012:execution:m:run-1";
    const execution = track(runLocally(definition, { n: 1 }, { invoke, executionArn }));
    await waitForInvocations(2);

    const tokens = calls.map((call) => call.payload.token);
    assert.notEqual(tokens[0], tokens[1]);
    assert.ok(tokens.every((token) => typeof token === "string" && token.length >= 64));
    assert.deepEqual(
      calls.map((call) => call.payload.execution),
      [executionArn, executionArn],
    );
    assert.deepEqual(
      execution.registry
        .waiting()
        .map((task) => task.taskToken)
        .sort(),
      [...tokens].sort(),
    );

    execution.registry.sendTaskSuccess(tokens[0], { from: "a" });
    execution.registry.sendTaskSuccess(tokens[1], { from: "b" });
    const result = await execution.result;
    assert.equal(result.status, "SUCCEEDED");
    assert.deepEqual(result.output, [{ from: "a" }, { from: "b" }]);
  });

  it("refuses unknown tokens and tokens whose task no longer waits, as Step Functions does", async () => {
    const definition = { StartAt: "Wait", States: { Wait: waitTask({ End: true }) } };
    const { invoke, calls, waitForInvocations } = recordingInvoke();
    const execution = track(runLocally(definition, {}, { invoke }));
    await waitForInvocations(1);
    const token = calls[0].payload.token;

    assert.throws(() => execution.registry.sendTaskSuccess("not-a-token", {}), { name: "InvalidToken" });
    assert.throws(() => execution.registry.sendTaskSuccess(token, { self: 1n }), { name: "InvalidOutput" });
    execution.registry.sendTaskSuccess(token, { done: true });
    assert.throws(() => execution.registry.sendTaskSuccess(token, {}), { name: "TaskTimedOut" });
    assert.throws(() => execution.registry.sendTaskFailure(token, "Late"), { name: "TaskTimedOut" });
    assert.deepEqual((await execution.result).output, { done: true });
  });

  it("turns SendTaskFailure into the task's error, which Catch matches by name", async () => {
    const definition = {
      StartAt: "Wait",
      States: {
        Wait: {
          ...waitTask({ End: true }),
          Catch: [{ ErrorEquals: ["Custom.Stop"], ResultPath: "$.error", Next: "Stopped" }],
        },
        Stopped: { Type: "Pass", End: true },
      },
    };
    const { invoke, calls, waitForInvocations } = recordingInvoke();
    const execution = track(runLocally(definition, { keep: 1 }, { invoke }));
    await waitForInvocations(1);
    execution.registry.sendTaskFailure(calls[0].payload.token, "Custom.Stop", "because");
    const result = await execution.result;
    assert.equal(result.status, "SUCCEEDED");
    assert.deepEqual(result.output, { keep: 1, error: { Error: "Custom.Stop", Cause: "because" } });
  });

  it("times a waiting task out after its TimeoutSeconds and stops accepting its token", async () => {
    const definition = {
      StartAt: "Wait",
      States: {
        Wait: { ...waitTask({ End: true }, 1), Catch: [{ ErrorEquals: ["States.Timeout"], Next: "Timed out" }] },
        "Timed out": { Type: "Pass", Result: "timed out", End: true },
      },
    };
    const { invoke, calls } = recordingInvoke();
    const execution = track(runLocally(definition, {}, { invoke }));
    const result = await execution.result;
    assert.equal(result.output, "timed out");
    assert.throws(() => execution.registry.sendTaskSuccess(calls[0].payload.token, {}), { name: "TaskTimedOut" });
  });

  it("surfaces a function error's name as the Step Functions error, with the error JSON as cause", async () => {
    const definition = {
      StartAt: "Call",
      States: {
        Call: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: FN, "Payload.$": "$" },
          End: true,
        },
      },
    };
    const invoke: LocalInvoke = async () => {
      const error = new Error("subject is required");
      error.name = "Approval.InvalidInput";
      throw error;
    };
    const result = await track(runLocally(definition, {}, { invoke })).result;
    assert.equal(result.status, "FAILED");
    assert.equal(result.error, "Approval.InvalidInput");
    assert.deepEqual(JSON.parse(result.cause ?? ""), {
      errorType: "Approval.InvalidInput",
      errorMessage: "subject is required",
    });
  });

  it("wraps lambda:invoke results as the Lambda integration does and calls plain function ARNs with the state input", async () => {
    const definition = {
      StartAt: "Integrated",
      States: {
        Integrated: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: FN, Payload: { "n.$": "$.n" } },
          ResultSelector: { "n.$": "$.Payload.n", "status.$": "$.StatusCode" },
          Next: "Direct",
        },
        Direct: { Type: "Task", Resource: FN, End: true },
      },
    };
    const { invoke, calls } = recordingInvoke((payload) => ({ ...payload, n: payload.n + 1 }));
    const result = await track(runLocally(definition, { n: 1 }, { invoke })).result;
    assert.deepEqual(
      calls.map((call) => call.payload),
      [{ n: 1 }, { n: 2, status: 200 }],
    );
    assert.deepEqual(result.output, { n: 3, status: 200 });
  });

  it("aborts: status ABORTED, and the tasks it waited on stop accepting their tokens", async () => {
    const definition = { StartAt: "Wait", States: { Wait: waitTask({ End: true }) } };
    const registry = createTaskRegistry();
    const { invoke, calls, waitForInvocations } = recordingInvoke();
    const execution = track(runLocally(definition, {}, { invoke, registry }));
    await waitForInvocations(1);
    execution.abort();
    assert.equal((await execution.result).status, "ABORTED");
    assert.deepEqual(registry.waiting(), []);
    assert.throws(() => registry.sendTaskSuccess(calls[0].payload.token, {}), { name: "TaskTimedOut" });
  });

  it("counts every state entered and every retry as a state transition", async () => {
    const definition = {
      StartAt: "First",
      States: {
        First: { Type: "Pass", Next: "Call" },
        Call: {
          Type: "Task",
          Resource: FN,
          Retry: [{ ErrorEquals: ["Lambda.ServiceException"], MaxAttempts: 2 }],
          Next: "Last",
        },
        Last: { Type: "Succeed" },
      },
    };
    let attempts = 0;
    const invoke: LocalInvoke = async () => {
      if (++attempts === 1) throw Object.assign(new Error("busy"), { name: "Lambda.ServiceException" });
      return {};
    };
    const seen: string[] = [];
    const execution = track(
      runLocally(definition, {}, { invoke, retryDelayMs: 0, onEvent: (event) => seen.push(event.type) }),
    );
    const result = await execution.result;
    assert.equal(result.status, "SUCCEEDED");
    assert.equal(result.transitions, 3 + 1);
    assert.equal(seen.filter((type) => type === "StateRetried").length, 1);
    assert.equal(execution.transitions(), result.transitions);
  });

  it("a Parallel state ended early by one branch's error stops its other branches' tasks accepting their tokens", async () => {
    const definition = {
      StartAt: "Both",
      States: {
        Both: {
          Type: "Parallel",
          Branches: [
            { StartAt: "Wait a", States: { "Wait a": waitTask({ End: true }) } },
            { StartAt: "Wait b", States: { "Wait b": waitTask({ End: true }) } },
          ],
          Catch: [{ ErrorEquals: ["Custom.Ended"], ResultPath: "$.ended", Next: "After" }],
          End: true,
        },
        After: { Type: "Pass", End: true },
      },
    };
    const { invoke, calls, waitForInvocations } = recordingInvoke();
    const execution = track(runLocally(definition, {}, { invoke }));
    await waitForInvocations(2);
    const [a, b] = calls.map((call) => call.payload.token);
    execution.registry.sendTaskFailure(a, "Custom.Ended", "a ended it");
    const result = await execution.result;
    assert.equal(result.status, "SUCCEEDED");
    assert.deepEqual(result.output, { ended: { Error: "Custom.Ended", Cause: "a ended it" } });
    assert.throws(() => execution.registry.sendTaskSuccess(b, {}), { name: "TaskTimedOut" });
    assert.deepEqual(execution.registry.waiting(), []);
  });

  it("refuses a definition with a Task it cannot serve locally", () => {
    const definition = {
      StartAt: "Publish",
      States: {
        Publish: { Type: "Task", Resource: "arn:aws:states:::sns:publish", Parameters: { Message: "x" }, End: true },
      },
    };
    assert.throws(() => runLocally(definition, {}, { invoke: async () => ({}) }), /Publish.*sns:publish/);
  });
});
