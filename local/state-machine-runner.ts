/**
 * Runs a Step Functions definition in-process with aws-local-stepfunctions, serving every Task
 * state with a local `invoke(functionName, payload)` instead of AWS Lambda, and the callback
 * pattern (`.waitForTaskToken`) with an in-memory task-token registry that plays the part of
 * SendTaskSuccess / SendTaskFailure.
 *
 * Used by the sandbox (`npm start`), the benchmarks and the tests. What it papers over in the
 * library (see DESIGN.md, toolchain facts):
 *  - Node 20 lacks Promise.withResolvers, which the library calls: polyfilled here.
 *  - `$$.Task.Token` is one static value from the run's context, shared by every task: the runner
 *    gives the context a placeholder and substitutes a freshly minted token per task it serves.
 *  - The library cannot cancel a task when its Parallel state ends early, and a waiting task's
 *    timeout timer keeps the process alive: the runner settles every task it still holds when
 *    its Parallel state ends or the run ends (or is aborted), which clears those timers.
 *  - asl-validator, which the library calls, mutates its input: the runner passes a copy.
 *  - The library's Context Object has no Execution.Id: the runner supplies one.
 *  - The library resolves a Task's TimeoutSecondsPath against the state's effective input (after
 *    Parameters), where Step Functions reads the state's input: the runner resolves the path
 *    itself, through an extra Parameters entry it strips before invoking, and times the task out
 *    with States.Timeout, as for a fixed TimeoutSeconds.
 */
import { randomBytes, randomUUID } from "node:crypto";
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type RunOptions,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";

installPromiseWithResolvers();

// ---- Public types ----

/** One event of the library's execution log (StateEntered, StateExited, ParallelBranchFailed, ...). */
export type ExecutionEvent = ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

/** Invokes a Lambda function locally. A thrown error's `name` becomes the Step Functions error. */
export type LocalInvoke = (functionName: string, payload: unknown) => Promise<unknown>;

export type LocalExecutionStatus = "SUCCEEDED" | "FAILED" | "ABORTED" | "TIMED_OUT";

export interface LocalExecutionResult {
  status: LocalExecutionStatus;
  /** The execution output (SUCCEEDED only). */
  output?: unknown;
  /** The Step Functions error and cause (FAILED only). */
  error?: string;
  cause?: string;
  /** State transitions, counted the way AWS bills Standard workflows (see countTransitions). */
  transitions: number;
}

export interface RunLocallyOptions {
  invoke: LocalInvoke;
  /** Share one registry between runs to route any token, as Step Functions does. Default: a new one. */
  registry?: TaskTokenRegistry;
  /** `$$.Execution.Id`. Default: a fresh local execution ARN. */
  executionArn?: string;
  /** Replaces every Retry pause (e.g. 0 in tests). Default: the pauses the definition declares. */
  retryDelayMs?: number;
  /** Called for each execution event as it happens (the sandbox prints progress with it). */
  onEvent?: (event: ExecutionEvent) => void;
  /** Called as each Task state's call is made and ends, with what the service returned (the execution history's Task events). */
  onTask?: (task: TaskObservation) => void;
}

/**
 * One step of a Task state's call, as Step Functions records it in the execution history
 * (TaskScheduled, TaskSubmitted, TaskSucceeded, TaskFailed; a task whose Parallel ended is aborted).
 * `output` is what the service returned (for `.waitForTaskToken`: the SendTaskSuccess output),
 * before ResultSelector and ResultPath.
 */
export type TaskObservation =
  | { kind: "scheduled"; state: string; resource: string; parameters: unknown }
  | { kind: "submitted"; state: string; resource: string }
  | { kind: "succeeded"; state: string; resource: string; output: unknown }
  | { kind: "failed"; state: string; resource: string; error: string; cause: string }
  | { kind: "aborted"; state: string; resource: string };

export interface LocalExecution {
  executionArn: string;
  registry: TaskTokenRegistry;
  /** Settles when the execution ends; never rejects for FAILED, ABORTED or TIMED_OUT. */
  result: Promise<LocalExecutionResult>;
  /** Every event so far, in order (complete once `result` has settled). */
  readonly events: readonly ExecutionEvent[];
  /** State transitions so far. */
  transitions(): number;
  /** Stops the execution (status ABORTED) and releases every task it waits on. */
  abort(): void;
}

/** What SendTaskSuccess / SendTaskFailure need: the callback side of the registry. */
export interface LocalTaskRegistry {
  /** Completes the task with `output` (a JSON value, not its serialization). */
  sendTaskSuccess(taskToken: string, output: unknown): void;
  /** Fails the task with `error` (matched by Retry and Catch) and `cause`. */
  sendTaskFailure(taskToken: string, error?: string, cause?: string): void;
}

/** A task waiting for its token, as the registry shows it. */
export interface WaitingTask {
  taskToken: string;
  executionArn: string;
  stateName: string;
  functionName: string;
  /** The payload the function was invoked with (token included). */
  payload: unknown;
}

/**
 * Errors the registry throws, named like the Step Functions API's exceptions so callers handle
 * local and real callbacks alike: `InvalidToken` (never issued), `TaskTimedOut` (the task no
 * longer waits: decided, timed out, cancelled or its execution ended).
 */
export class TaskCallbackError extends Error {
  constructor(name: "InvalidToken" | "TaskTimedOut" | "InvalidOutput", message: string) {
    super(message);
    this.name = name;
  }
}

// ---- Task token registry ----

/** Error that releases a task nobody waits for any more. Named so no Retry or Catch matches it. */
const TASK_RELEASED_ERROR = "LocalRunner.TaskReleased";

/** Library default for a Task without TimeoutSeconds (the library times such tasks out after 60 s). */
const LIBRARY_DEFAULT_TASK_TIMEOUT_SECONDS = 60;

interface OpenTask extends WaitingTask {
  resolve(output: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class TaskTokenRegistry implements LocalTaskRegistry {
  private readonly open = new Map<string, OpenTask>();
  /** Tokens that were issued and are no longer waiting, with the reason (for error messages). */
  private readonly ended = new Map<string, string>();

  sendTaskSuccess(taskToken: string, output: unknown): void {
    let json: unknown;
    try {
      json = JSON.parse(JSON.stringify(output ?? null));
    } catch (error) {
      throw new TaskCallbackError("InvalidOutput", `output is not JSON: ${(error as Error).message}`);
    }
    this.take(taskToken, "succeeded").resolve(json);
  }

  sendTaskFailure(taskToken: string, error = "", cause = ""): void {
    this.take(taskToken, `failed with ${error}`).reject(namedError(error, cause));
  }

  /** Tasks currently waiting for a callback, oldest first. */
  waiting(executionArn?: string): WaitingTask[] {
    return [...this.open.values()]
      .filter((task) => executionArn === undefined || task.executionArn === executionArn)
      .map(({ taskToken, executionArn: arn, stateName, functionName, payload }) => ({
        taskToken,
        executionArn: arn,
        stateName,
        functionName,
        payload,
      }));
  }

  /**
   * Issues a token for a task that waits at most `timeoutSeconds`. The returned promise settles
   * on a callback; at the deadline the token merely stops being accepted, because the library
   * times the state out itself (its timer, armed just after this one, raises States.Timeout).
   */
  issue(
    task: Omit<WaitingTask, "taskToken" | "payload">,
    timeoutSeconds: number,
  ): { taskToken: string; settled: Promise<unknown> } {
    // Opaque and unguessable, like a real token; long enough that nothing may assume a short one.
    const taskToken = `local-${randomBytes(48).toString("base64url")}`;
    const { promise, resolve, reject } = deferred<unknown>();
    const timer = setTimeout(() => this.end(taskToken, "timed out"), timeoutSeconds * 1000);
    this.open.set(taskToken, { ...task, taskToken, payload: undefined, resolve, reject, timer });
    return { taskToken, settled: promise };
  }

  /** Records the payload the task's function was invoked with, for `waiting()`. */
  describe(taskToken: string, payload: unknown): void {
    const task = this.open.get(taskToken);
    if (task) task.payload = payload;
  }

  /** Stops accepting the token; whoever awaits it is left waiting (use when they stopped). */
  retire(taskToken: string, reason: string): void {
    this.end(taskToken, reason);
  }

  /** Stops accepting the token and releases whoever awaits it with an error no state handles. */
  release(taskToken: string, reason: string): void {
    const task = this.open.get(taskToken);
    if (!task) return;
    this.end(taskToken, reason);
    task.reject(namedError(TASK_RELEASED_ERROR, reason));
  }

  /** Releases the tasks of one execution that match `filter`. */
  releaseWhere(executionArn: string, reason: string, filter: (task: WaitingTask) => boolean = () => true): void {
    for (const task of this.waiting(executionArn)) if (filter(task)) this.release(task.taskToken, reason);
  }

  private take(taskToken: string, reason: string): OpenTask {
    const task = this.open.get(taskToken);
    if (task) {
      this.end(taskToken, reason);
      return task;
    }
    const ended = this.ended.get(taskToken);
    if (ended !== undefined) throw new TaskCallbackError("TaskTimedOut", `Task Timed Out: the task ${ended}`);
    throw new TaskCallbackError("InvalidToken", "Invalid Token: no task was issued this token");
  }

  private end(taskToken: string, reason: string): void {
    const task = this.open.get(taskToken);
    if (!task) return;
    clearTimeout(task.timer);
    this.open.delete(taskToken);
    this.ended.set(taskToken, reason);
  }
}

export function createTaskRegistry(): TaskTokenRegistry {
  return new TaskTokenRegistry();
}

// ---- Runner ----

/** Enough of a definition to walk it; AslDefinition from components/definition.ts fits. */
export interface DefinitionLike {
  StartAt: string;
  States: Record<string, object>;
}

const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";
const LAMBDA_INVOKE_WAIT = "arn:aws:states:::lambda:invoke.waitForTaskToken";
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;

export function runLocally(definition: DefinitionLike, input: unknown, opts: RunLocallyOptions): LocalExecution {
  const registry = opts.registry ?? createTaskRegistry();
  const executionArn = opts.executionArn ?? `arn:aws:states:local:000000000000:execution:local:${randomUUID()}`;
  const tokenPlaceholder = `local-task-token-placeholder-${randomUUID()}`;
  const tasks = collectTasks(definition);

  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const task of tasks) {
    handlers[task.name] = taskHandler(task, { ...opts, registry, executionArn, tokenPlaceholder });
  }
  const retryIntervalOverrides: Record<string, number> = {};
  if (opts.retryDelayMs !== undefined) {
    for (const name of collectRetryingStates(definition)) retryIntervalOverrides[name] = opts.retryDelayMs;
  }

  const machine = machineFor(definition);
  const context = {
    Execution: { Id: executionArn, Name: executionArn.split(":").pop() },
    Task: { Token: tokenPlaceholder },
  };
  const runOptions: RunOptions = {
    overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides },
    context,
  };
  const execution = machine.run(toJson(input) as never, runOptions);

  const events: ExecutionEvent[] = [];
  const parallelOf = parallelMembership(tasks);
  const logged = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event);
      // A Parallel state that ended (normally, or early by a branch's error) leaves its other
      // branches' tasks waiting: they must stop accepting tokens, as in Step Functions.
      if ((event.type === "StateExited" || event.type === "StateFailed") && event.state.type === "Parallel") {
        const parallel = event.state.name;
        registry.releaseWhere(
          executionArn,
          `ended with Parallel state "${parallel}"`,
          (task) => parallelOf.get(task.stateName)?.has(parallel) ?? false,
        );
      }
      try {
        opts.onEvent?.(event);
      } catch {
        // An observer's bug must not stall the execution log.
      }
    }
  })();

  const result = execution.result.then(
    (output): Omit<LocalExecutionResult, "transitions"> => ({ status: "SUCCEEDED", output }),
    (error: unknown): Omit<LocalExecutionResult, "transitions"> => {
      if (error instanceof ExecutionAbortedError) return { status: "ABORTED" };
      if (error instanceof ExecutionTimeoutError) return { status: "TIMED_OUT" };
      if (error instanceof ExecutionError && error.cause instanceof Error) {
        return { status: "FAILED", error: error.cause.name, cause: error.cause.message };
      }
      throw error;
    },
  );
  const finished = result.then(
    async (outcome) => {
      await logged;
      registry.releaseWhere(executionArn, "ended with its execution");
      return { ...outcome, transitions: countTransitions(events) };
    },
    (error) => {
      registry.releaseWhere(executionArn, "ended with its execution");
      throw error;
    },
  );

  return {
    executionArn,
    registry,
    result: finished,
    events,
    transitions: () => countTransitions(events),
    abort: () => {
      execution.abort();
      registry.releaseWhere(executionArn, "ended with its aborted execution");
    },
  };
}

/**
 * Constructing a StateMachine validates the definition, which takes far longer than a run; runs
 * of one definition object share one (the library keeps no state between runs).
 */
const machines = new WeakMap<DefinitionLike, StateMachine>();
function machineFor(definition: DefinitionLike): StateMachine {
  let machine = machines.get(definition);
  if (machine === undefined) {
    // The library validates with asl-validator, which mutates its input: give it a copy.
    machine = new StateMachine(withLocalTimeoutPaths(structuredClone(definition)) as unknown as StateMachineDefinition);
    machines.set(definition, machine);
  }
  return machine;
}

/**
 * State transitions as AWS bills Standard workflows: every state entered, in any branch, plus
 * every retry attempt.
 */
export function countTransitions(events: readonly ExecutionEvent[]): number {
  return events.filter((event) => event.type === "StateEntered" || event.type === "StateRetried").length;
}

// ---- Serving Task states ----

/** The Parameters entry that carries a TimeoutSecondsPath's value to the runner (stripped before invoking). */
const TIMEOUT_PARAMETER = "__localRunnerTimeoutSeconds";
/** Node's longest timer, in seconds: the library's own timer for a task the runner times out itself. */
const LONGEST_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Rewrites each TimeoutSecondsPath as a Parameters entry the runner reads (see the header). */
function withLocalTimeoutPaths(definition: DefinitionLike): DefinitionLike {
  for (const [, state] of walkStates(definition)) {
    const task = state as AnyState & { Parameters?: Record<string, unknown> };
    if (task.Type !== "Task" || task.TimeoutSecondsPath === undefined) continue;
    task.Parameters = { ...(task.Parameters ?? {}), [`${TIMEOUT_PARAMETER}.$`]: task.TimeoutSecondsPath };
    delete task.TimeoutSecondsPath;
    task.TimeoutSeconds = LONGEST_TIMER_SECONDS;
  }
  return definition;
}

/** The timeout a TimeoutSecondsPath resolved to, and the parameters without it. */
function takeLocalTimeout(task: TaskInfo, input: unknown): { input: unknown; timeoutSeconds: number } {
  if (!task.timeoutFromPath) return { input, timeoutSeconds: task.timeoutSeconds };
  const { [TIMEOUT_PARAMETER]: seconds, ...rest } = (input ?? {}) as Record<string, unknown>;
  if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 1) {
    throw namedError(
      "States.Runtime",
      `Task state "${task.name}": TimeoutSecondsPath did not select a positive integer`,
    );
  }
  return { input: rest, timeoutSeconds: seconds };
}

interface TaskInfo {
  name: string;
  resource: string;
  timeoutSeconds: number;
  /** The timeout comes from TimeoutSecondsPath, resolved per run (the runner times the task out itself). */
  timeoutFromPath: boolean;
  /** Names of the Parallel (or Map) states this task is nested in. */
  enclosing: string[];
}

interface HandlerContext extends RunLocallyOptions {
  registry: TaskTokenRegistry;
  executionArn: string;
  tokenPlaceholder: string;
}

/** The history's `resource` of a Lambda task: "invoke", "invoke.waitForTaskToken", or the function ARN. */
const historyResource = (resource: string) =>
  resource.startsWith("arn:aws:states:::lambda:") ? resource.slice("arn:aws:states:::lambda:".length) : resource;

/** Reports a task's calls to `onTask`; an observer's bug must not fail the task. */
function taskReporter(task: TaskInfo, ctx: HandlerContext) {
  const resource = historyResource(task.resource);
  return {
    report(observation: Record<string, unknown> & { kind: TaskObservation["kind"] }) {
      try {
        ctx.onTask?.({ state: task.name, resource, ...observation } as TaskObservation);
      } catch {
        // ignore
      }
    },
    /** Reports how the call ended, and passes its result or error on. */
    async ending<T>(work: Promise<T>, output: (value: T) => unknown): Promise<T> {
      try {
        const value = await work;
        this.report({ kind: "succeeded", output: output(value) });
        return value;
      } catch (error) {
        const name = error instanceof Error ? error.name : "Error";
        if (name === TASK_RELEASED_ERROR) this.report({ kind: "aborted" });
        else
          this.report({ kind: "failed", error: name, cause: error instanceof Error ? error.message : String(error) });
        throw error;
      }
    },
  };
}

function taskHandler(task: TaskInfo, ctx: HandlerContext): (input: unknown) => Promise<unknown> {
  const reporter = taskReporter(task, ctx);
  if (task.resource === LAMBDA_INVOKE) {
    return async (input) => {
      const { functionName, payload } = lambdaParameters(task, input);
      reporter.report({ kind: "scheduled", parameters: input });
      await nextTurn();
      const output = await reporter.ending(invokeFunction(ctx.invoke, functionName, payload), (value) => ({
        ExecutedVersion: "$LATEST",
        Payload: value,
        StatusCode: 200,
      }));
      return { ExecutedVersion: "$LATEST", Payload: output, StatusCode: 200 };
    };
  }
  if (task.resource === LAMBDA_INVOKE_WAIT) {
    return (parameters) => {
      const { input, timeoutSeconds } = takeLocalTimeout(task, parameters);
      const { functionName, payload } = lambdaParameters(task, input);
      // Issued synchronously, before the library arms its own timer for this state, so the
      // token stops being accepted no later than the state times out.
      const { taskToken, settled } = ctx.registry.issue(
        { executionArn: ctx.executionArn, stateName: task.name, functionName },
        timeoutSeconds,
      );
      const invoked = replaceString(payload, ctx.tokenPlaceholder, taskToken);
      ctx.registry.describe(taskToken, invoked);
      reporter.report({
        kind: "scheduled",
        parameters: replaceString(input, ctx.tokenPlaceholder, taskToken),
      });
      const invocation = nextTurn().then(async () => {
        const output = await invokeFunction(ctx.invoke, functionName, invoked);
        reporter.report({ kind: "submitted" });
        return output;
      });
      // The invocation's result is ignored, but its failure fails the task (and frees the token).
      const failed = invocation.then(
        () => new Promise<never>(() => undefined),
        (error: Error) => {
          ctx.registry.retire(taskToken, `failed: its function threw ${error.name}`);
          throw error;
        },
      );
      if (!task.timeoutFromPath) return reporter.ending(Promise.race([settled, failed]), (output) => output);
      // The runner's own timer, armed after the registry's, so the token is refused first.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(namedError("States.Timeout", `the task timed out after ${timeoutSeconds} s`)),
          timeoutSeconds * 1000,
        );
      });
      return reporter.ending(
        Promise.race([settled, failed, timedOut]).finally(() => clearTimeout(timer)),
        (output) => output,
      );
    };
  }
  if (LAMBDA_FUNCTION_ARN.test(task.resource)) {
    return async (input) => {
      reporter.report({ kind: "scheduled", parameters: input });
      await nextTurn();
      return reporter.ending(invokeFunction(ctx.invoke, task.resource, input), (output) => output);
    };
  }
  throw new Error(`runLocally: Task state "${task.name}" uses ${task.resource}, which the local runner cannot serve`);
}

/**
 * Waits for the next turn of the event loop before a task calls out. The library forwards a
 * Parallel branch's events to the execution log a few microtasks late; yielding here lets them
 * arrive before the execution can end, so every transition is counted.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function invokeFunction(invoke: LocalInvoke, functionName: string, payload: unknown): Promise<unknown> {
  let output: unknown;
  try {
    // Copies both ways: a function cannot mutate the machine's data, nor the machine its result.
    output = await invoke(functionName, toJson(payload));
  } catch (error) {
    // As the Lambda integration reports a function error: error = errorType, cause = the error JSON.
    const errorType = error instanceof Error ? error.name : "Error";
    const errorMessage = error instanceof Error ? error.message : String(error);
    throw namedError(errorType, JSON.stringify({ errorType, errorMessage }));
  }
  return toJson(output);
}

function lambdaParameters(task: TaskInfo, input: unknown): { functionName: string; payload: unknown } {
  const parameters = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
  if (typeof parameters.FunctionName !== "string") {
    throw namedError("States.Runtime", `Task state "${task.name}" has no FunctionName in its Parameters`);
  }
  return { functionName: parameters.FunctionName, payload: parameters.Payload ?? {} };
}

// ---- Walking the definition ----

type AnyState = {
  Type?: string;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Retry?: unknown[];
  Branches?: DefinitionLike[];
  Iterator?: DefinitionLike;
  ItemProcessor?: DefinitionLike;
};

function* walkStates(definition: DefinitionLike, enclosing: string[] = []): Generator<[string, AnyState, string[]]> {
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as AnyState;
    yield [name, state, enclosing];
    const nested = [
      ...(state.Branches ?? []),
      ...(state.Iterator ? [state.Iterator] : []),
      ...(state.ItemProcessor ? [state.ItemProcessor] : []),
    ];
    for (const child of nested) yield* walkStates(child, [...enclosing, name]);
  }
}

function collectTasks(definition: DefinitionLike): TaskInfo[] {
  const tasks: TaskInfo[] = [];
  for (const [name, state, enclosing] of walkStates(definition)) {
    if (state.Type !== "Task") continue;
    const fromPath = state.TimeoutSecondsPath !== undefined;
    if (fromPath && state.Resource !== LAMBDA_INVOKE_WAIT) {
      throw new Error(
        `runLocally: Task state "${name}" uses TimeoutSecondsPath, which the local runner supports on ${LAMBDA_INVOKE_WAIT} only`,
      );
    }
    tasks.push({
      name,
      resource: String(state.Resource),
      timeoutSeconds: state.TimeoutSeconds ?? LIBRARY_DEFAULT_TASK_TIMEOUT_SECONDS,
      timeoutFromPath: fromPath,
      enclosing,
    });
  }
  return tasks;
}

function collectRetryingStates(definition: DefinitionLike): string[] {
  return [...walkStates(definition)].filter(([, state]) => state.Retry !== undefined).map(([name]) => name);
}

function parallelMembership(tasks: TaskInfo[]): Map<string, Set<string>> {
  return new Map(tasks.map((task) => [task.name, new Set(task.enclosing)]));
}

// ---- Small helpers ----

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** A JSON copy, as data crossing a service boundary would be. */
function toJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function replaceString(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((item) => replaceString(item, from, to));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceString(item, from, to)]));
  }
  return value;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (reason: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (reason: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Node 20 has no Promise.withResolvers (Node 22 does), and the library calls it. */
function installPromiseWithResolvers(): void {
  const ctor = Promise as unknown as { withResolvers?: unknown };
  if (typeof ctor.withResolvers !== "function") ctor.withResolvers = deferred;
}
