/**
 * An execution's history as GetExecutionHistory returns it
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html), built from
 * the local runner's events and its Task calls: ids from 1 in order, each event's
 * `previousEventId` the event before it in the same branch (the first event of a Parallel branch
 * follows the Parallel's ParallelStateStarted), and the details Step Functions gives each type:
 * state names and inputs or outputs, `TaskScheduled` parameters (task token included, as on AWS),
 * what a task's service returned in `TaskSucceeded`, error and cause in `TaskFailed`.
 *
 * The library reports a state's entry a few microtasks after its task has started calling out,
 * so a task's calls wait until their state has been entered: the chain from a task's end back to
 * its `TaskStateEntered` is the one AWS gives.
 */
import type { ExecutionEvent, TaskObservation } from "../state-machine-runner";

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** Epoch seconds, as the awsJson1_0 protocol sends timestamps. */
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

interface DefinitionLike {
  States: Record<string, { Type?: string; Branches?: DefinitionLike[] }>;
}

const ROOT = "";

/** Each state's branch ("" at the top level) and, for a branch, the Parallel state holding it. */
function scopesOf(definition: DefinitionLike): { scopeOf: Map<string, string>; parentOf: Map<string, string> } {
  const scopeOf = new Map<string, string>();
  const parentOf = new Map<string, string>();
  const walk = (states: DefinitionLike["States"], scope: string) => {
    for (const [name, state] of Object.entries(states)) {
      scopeOf.set(name, scope);
      (state.Branches ?? []).forEach((branch, index) => {
        const inner = `${name}#${index}`;
        parentOf.set(inner, name);
        walk(branch.States, inner);
      });
    }
  };
  walk(definition.States, ROOT);
  return { scopeOf, parentOf };
}

const json = (value: unknown) => JSON.stringify(value ?? null);
const dataDetails = { truncated: false };

export class ExecutionHistory {
  private readonly list: HistoryEvent[] = [];
  private readonly last = new Map<string, number>();
  private readonly parallelStarted = new Map<string, number>();
  private readonly entered = new Set<string>();
  private readonly waiting = new Map<string, TaskObservation[]>();
  private readonly taskEnded = new Set<string>();
  private readonly scopes: ReturnType<typeof scopesOf>;

  constructor(
    definition: DefinitionLike,
    private readonly region: string,
    private readonly roleArn: string,
  ) {
    this.scopes = scopesOf(definition);
  }

  get events(): readonly HistoryEvent[] {
    return this.list;
  }

  /** The runner's event log. */
  record(event: ExecutionEvent): void {
    switch (event.type) {
      case "ExecutionStarted":
        this.add(ROOT, "ExecutionStarted", {
          executionStartedEventDetails: { input: json(event.input), inputDetails: dataDetails, roleArn: this.roleArn },
        });
        return;
      case "ExecutionSucceeded":
        this.add(ROOT, "ExecutionSucceeded", {
          executionSucceededEventDetails: { output: json(event.output), outputDetails: dataDetails },
        });
        return;
      case "ExecutionFailed":
        this.add(ROOT, "ExecutionFailed", {
          executionFailedEventDetails: { error: event.Error, cause: String(event.Cause ?? "") },
        });
        return;
      case "StateEntered":
        return this.entering(event.state.name, event.state.type, event.state.input);
      case "StateExited":
        return this.exiting(event.state.name, event.state.type, event.state.output);
      case "StateFailed":
        return this.failing(event.state.name, event.state.type, event.Error);
      default:
        return; // retries, catches and branch events have no history event of their own
    }
  }

  /** A Task state's call, from the runner. */
  task(observation: TaskObservation): void {
    if (!this.entered.has(observation.state)) {
      this.waiting.set(observation.state, [...(this.waiting.get(observation.state) ?? []), observation]);
      return;
    }
    this.taskEvent(observation);
  }

  /** The execution was stopped (StopExecution): its waiting tasks are aborted, then the execution. */
  aborted(error?: string, cause?: string): void {
    this.add(ROOT, "ExecutionAborted", {
      executionAbortedEventDetails: {
        ...(error === undefined ? {} : { error }),
        ...(cause === undefined ? {} : { cause }),
      },
    });
  }

  timedOut(): void {
    this.add(ROOT, "ExecutionTimedOut", { executionTimedOutEventDetails: {} });
  }

  private entering(name: string, type: string, input: unknown): void {
    const scope = this.scopeOf(name);
    this.add(scope, `${type}StateEntered`, {
      stateEnteredEventDetails: { name, input: json(input), inputDetails: dataDetails },
    });
    if (type === "Parallel") this.parallelStarted.set(name, this.add(scope, "ParallelStateStarted", {}));
    this.entered.add(name);
    this.taskEnded.delete(name);
    const pending = this.waiting.get(name) ?? [];
    this.waiting.delete(name);
    for (const observation of pending) this.taskEvent(observation);
  }

  private exiting(name: string, type: string, output: unknown): void {
    const scope = this.scopeOf(name);
    if (type === "Parallel") this.add(scope, "ParallelStateSucceeded", {});
    this.add(scope, `${type}StateExited`, {
      stateExitedEventDetails: { name, output: json(output), outputDetails: dataDetails },
    });
  }

  private failing(name: string, type: string, error: string): void {
    const scope = this.scopeOf(name);
    if (type === "Parallel") this.add(scope, "ParallelStateFailed", {});
    // The library times a task out itself: the task's own call never ended.
    if (type === "Task" && error === "States.Timeout" && !this.taskEnded.has(name)) {
      this.add(scope, "TaskTimedOut", {
        taskTimedOutEventDetails: {
          resourceType: "lambda",
          resource: "invoke.waitForTaskToken",
          error: "States.Timeout",
          cause: "",
        },
      });
    }
  }

  private taskEvent(observation: TaskObservation): void {
    const scope = this.scopeOf(observation.state);
    const base = { resourceType: "lambda", resource: observation.resource };
    switch (observation.kind) {
      case "scheduled":
        this.taskEnded.delete(observation.state);
        this.add(scope, "TaskScheduled", {
          taskScheduledEventDetails: { ...base, region: this.region, parameters: json(observation.parameters) },
        });
        this.add(scope, "TaskStarted", { taskStartedEventDetails: base });
        return;
      case "submitted":
        this.add(scope, "TaskSubmitted", { taskSubmittedEventDetails: { ...base, output: "{}" } });
        return;
      case "succeeded":
        this.taskEnded.add(observation.state);
        this.add(scope, "TaskSucceeded", {
          taskSucceededEventDetails: { ...base, output: json(observation.output), outputDetails: dataDetails },
        });
        return;
      case "failed":
        this.taskEnded.add(observation.state);
        this.add(scope, "TaskFailed", {
          taskFailedEventDetails: { ...base, error: observation.error, cause: observation.cause },
        });
        return;
      case "aborted":
        this.taskEnded.add(observation.state);
        this.add(scope, "TaskStateAborted", {});
        return;
    }
  }

  private scopeOf(state: string): string {
    return this.scopes.scopeOf.get(state) ?? ROOT;
  }

  /** Appends an event after the last one of its branch; returns its id. */
  private add(scope: string, type: string, details: Record<string, unknown>): number {
    const id = this.list.length + 1;
    const parent = this.scopes.parentOf.get(scope);
    const previousEventId =
      this.last.get(scope) ?? (parent === undefined ? this.list.length : (this.parallelStarted.get(parent) ?? 0));
    this.list.push({ id, previousEventId, timestamp: Date.now() / 1000, type, ...details });
    this.last.set(scope, id);
    // A branch's events come after the Parallel's start; the root goes on after the Parallel's last branch event.
    if (parent !== undefined) this.last.set(this.scopeOf(parent), id);
    return id;
  }
}
