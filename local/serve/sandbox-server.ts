/**
 * `npm start -- --serve`: the sandbox as a local AWS account with this stack deployed, serving
 * many requests at once until it is stopped. One state machine (the stack's definition), started
 * through its Step Functions endpoint (stepfunctions-api.ts) by `parallel-approval`, the AWS CLI
 * or an SDK; every request runs on the services startSandbox uses (the real handlers, dynalite,
 * the local SNS, EventBridge and channel stand-ins), each with its own tracker and execution
 * history. The page server answers the AWS API calls (POST / with X-Amz-Target, or STS's form),
 * `/` (the open requests with their approval links), and the approval pages.
 *
 * The execution-end rule is played as deployed: when an execution ends ABORTED, TIMED_OUT or
 * FAILED, close-request gets the "Step Functions Execution Status Change" event
 * (core/execution-end.ts), so a stopped request's links show "closed" and its outcome is sent.
 * Unlike on AWS, where that event arrives soon after, StopExecution answers once the request has
 * been closed, so a caller sees the closed links as soon as the call returns.
 */
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { EXECUTION_STATUS_CHANGE, STATES_EVENT_SOURCE, UNFINISHED_ENDS } from "../../core/execution-end";
import type { ExecutionOutput } from "../../core/model";
import { LocalAwsError } from "../local-aws-error";
import type { LocalEvent } from "../fake-eventbridge";
import { LOCAL_PREFIX } from "../local-topology";
import type { ApproverAsked, DecisionArrived, SandboxEvent, SandboxResult } from "../round-events";
import { RoundTracker } from "../round-tracker";
import {
  LOCAL_ACCOUNT,
  startSandboxServices,
  type LaunchedRun,
  type RoundFollower,
  type SandboxOptions,
  type SandboxServices,
} from "../sandbox";
import { ExecutionHistory } from "./execution-history";
import { serveOpenRequests } from "./open-requests-page";
import { serveAwsApi, type ServedExecution, type StateMachineBackend } from "./stepfunctions-api";

/** Step Functions' default quota of open Standard executions is far higher; the sandbox is one process. */
export const MAX_OPEN_EXECUTIONS = 200;

export type SandboxServerOptions = Omit<SandboxOptions, "request" | "onEvent"> & {
  /** Everything the server reports, as it happens. */
  onEvent?: (event: ServeEvent) => void;
  /** The caller identity STS answers (default: this machine's user name). */
  user?: string;
};

export type ServeEvent =
  /** An execution was started; its request opens next. */
  | { type: "started"; execution: ServedRequest }
  /** One request's own report: stages, approvers asked (with their links), decisions, its end. */
  | { type: "request"; execution: ServedRequest; event: SandboxEvent }
  /** The execution ended (and, when it ended otherwise than SUCCEEDED, its request was closed). */
  | { type: "ended"; execution: ServedRequest; result: SandboxResult }
  /** An event reached the local EventBridge (the request's "Approval Decided"). */
  | { type: "eventPut"; event: LocalEvent }
  /** Warnings and the handlers' log lines. */
  | { type: "service"; event: SandboxEvent };

/** One execution as the server keeps it. */
export interface ServedRequest extends ServedExecution {
  /** The input's subject, when it has one. */
  subject?: string;
  asked: readonly ApproverAsked[];
  decisions: readonly DecisionArrived[];
  requestId(): string | undefined;
  /** Resolves when the execution has ended and its request is closed. */
  ended: Promise<SandboxResult>;
}

export interface SandboxServer {
  /** The endpoint to pass as --endpoint-url (the page server's origin). */
  endpoint: string;
  pageUrl: string;
  port: number;
  stateMachineArn: string;
  region: string;
  services: SandboxServices;
  executions(): readonly ServedRequest[];
  /** Events the local EventBridge accepted. */
  decidedEvents: readonly LocalEvent[];
  /** Stops accepting calls, answers those in flight, stops every execution, then everything else. */
  stop(): Promise<void>;
}

interface Entry {
  served: ServedRequest;
  tracker: RoundTracker;
  run: LaunchedRun;
  history: ExecutionHistory;
  stopping?: { error?: string; cause?: string };
}

function subjectOf(input: string): string | undefined {
  try {
    const parsed = JSON.parse(input) as { subject?: unknown };
    return typeof parsed?.subject === "string" ? parsed.subject : undefined;
  } catch {
    return undefined;
  }
}

/** The executions of the one local state machine, and the Step Functions backend over them. */
class LocalStateMachine implements StateMachineBackend {
  readonly stateMachineArn: string;
  private readonly executionPrefix: string;
  private readonly roleArn: string;
  readonly entries: Entry[] = [];
  accepting = true;
  services!: SandboxServices;

  constructor(
    private readonly region: string,
    private readonly user: string,
    private readonly emit: (event: ServeEvent) => void,
  ) {
    const machine = `${LOCAL_PREFIX}-workflow-local`;
    this.stateMachineArn = `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${machine}`;
    this.executionPrefix = `arn:aws:states:${region}:${LOCAL_ACCOUNT}:execution:${machine}`;
    this.roleArn = `arn:aws:iam::${LOCAL_ACCOUNT}:role/${LOCAL_PREFIX}-workflow-role-local`;
  }

  running(): Entry[] {
    return this.entries.filter((entry) => entry.served.status === "RUNNING");
  }

  /** Routes what the shared services report to the request it belongs to. */
  follower(): RoundFollower {
    return {
      markAsked: (asked) => {
        const owner = this.entries.find((e) => asked.requestId !== undefined && e.run.requestId() === asked.requestId);
        if (owner !== undefined) return owner.tracker.markAsked(asked);
        return this.warn(`${asked.approver} was asked for a request the sandbox cannot place`);
      },
      refreshDecisions: async () => {
        await Promise.all(this.running().map((entry) => entry.tracker.refreshDecisions()));
      },
    };
  }

  start(name: string, input: string): ServedRequest {
    if (!this.accepting) throw new LocalAwsError("ServiceUnavailable", "The sandbox is stopping", 503);
    if (this.running().length >= MAX_OPEN_EXECUTIONS)
      throw new LocalAwsError(
        "ExecutionLimitExceeded",
        `The sandbox runs at most ${MAX_OPEN_EXECUTIONS} executions at once`,
      );
    const entry = {} as Entry;
    const executionArn = `${this.executionPrefix}:${name}`;
    const history = new ExecutionHistory(this.services.definition, this.region, this.roleArn);
    const tracker = new RoundTracker(
      this.services.settings,
      (event) => this.emit({ type: "request", execution: entry.served, event }),
      async () => {
        const requestId = entry.run?.requestId();
        return requestId === undefined ? undefined : this.services.readRequest(requestId);
      },
    );
    const run = this.services.launch({
      input: JSON.parse(input),
      executionArn,
      tracker,
      onEvent: (event) => history.record(event),
      onTask: (task) => history.task(task),
    });
    const subject = subjectOf(input);
    const served: ServedRequest = {
      executionArn,
      name,
      input,
      startDate: new Date(),
      status: "RUNNING",
      history: () => history.events,
      asked: tracker.asked,
      decisions: tracker.decisions,
      requestId: () => run.requestId(),
      ended: run.result.then((result) => this.ended(entry, result)),
      ...(subject === undefined ? {} : { subject }),
    };
    Object.assign(entry, { served, tracker, run, history });
    this.entries.unshift(entry);
    this.emit({ type: "started", execution: served });
    return served;
  }

  private async ended(entry: Entry, result: SandboxResult): Promise<SandboxResult> {
    const { served, stopping, history } = entry;
    served.status = result.status;
    served.stopDate = new Date();
    if (result.output !== undefined) served.output = JSON.stringify(result.output satisfies ExecutionOutput);
    const error = stopping !== undefined ? stopping.error : result.error;
    const cause = stopping !== undefined ? stopping.cause : result.cause;
    if (error !== undefined) served.error = error;
    if (cause !== undefined) served.cause = cause;
    if (result.status === "ABORTED") history.aborted(error, cause);
    if (result.status === "TIMED_OUT") history.timedOut();
    await this.executionEndRule(served);
    this.emit({ type: "ended", execution: served, result });
    return result;
  }

  /** The deployed execution-end rule: close-request gets the status change of an execution that did not close itself. */
  private async executionEndRule(served: ServedRequest): Promise<void> {
    // Not while the sandbox stops: its executions end with it, and nothing is left to show them closed.
    if (!this.accepting || !(served.status in UNFINISHED_ENDS)) return;
    const event = {
      version: "0",
      id: randomUUID(),
      "detail-type": EXECUTION_STATUS_CHANGE,
      source: STATES_EVENT_SOURCE,
      account: LOCAL_ACCOUNT,
      time: new Date().toISOString(),
      region: this.region,
      resources: [served.executionArn],
      detail: {
        executionArn: served.executionArn,
        stateMachineArn: this.stateMachineArn,
        name: served.name,
        status: served.status,
        startDate: served.startDate.getTime(),
        stopDate: served.stopDate?.getTime() ?? null,
        input: served.input,
        output: null,
      },
    };
    try {
      await this.services.invoke("close-request", event);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.warn(`close-request failed on the execution-end event of ${served.name}: ${detail}`);
    }
  }

  get(executionArn: string): ServedRequest | undefined {
    return this.entries.find((entry) => entry.served.executionArn === executionArn)?.served;
  }

  list(): ServedRequest[] {
    return this.entries.map((entry) => entry.served);
  }

  async stop(execution: ServedExecution, error?: string, cause?: string): Promise<void> {
    const entry = this.entries.find((e) => e.served === execution);
    if (entry === undefined || entry.served.status !== "RUNNING") return;
    entry.stopping = { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
    entry.run.execution.abort();
    await entry.served.ended;
  }

  callerIdentity() {
    return {
      arn: `arn:aws:iam::${LOCAL_ACCOUNT}:user/${this.user}`,
      account: LOCAL_ACCOUNT,
      userId: "AIDASANDBOXLOCALUSER",
    };
  }

  private warn(message: string): void {
    this.emit({ type: "service", event: { type: "warning", message } });
  }
}

export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const emit = (event: ServeEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's bug must not break the server.
    }
  };
  const machine = new LocalStateMachine(options.region ?? "eu-west-1", options.user ?? localUser(), emit);
  const services = await startSandboxServices(
    { ...options, request: { subject: "" }, onEvent: (event) => emit({ type: "service", event }) },
    machine.follower(),
  );
  machine.services = services;
  const endpoint = services.page.pageUrl.replace(/\/$/, "");
  services.intercept(async (req, res) => {
    if (await serveAwsApi(machine, req, res)) return true;
    return serveOpenRequests(req, res, {
      stateMachineArn: machine.stateMachineArn,
      endpoint,
      open: () => machine.running().map((entry) => entry.served),
    });
  });
  services.eventBridge.listen((event) => emit({ type: "eventPut", event }));
  return {
    endpoint,
    pageUrl: services.page.pageUrl,
    port: services.page.port,
    stateMachineArn: machine.stateMachineArn,
    region: services.region,
    services,
    executions: () => machine.list(),
    decidedEvents: services.eventBridge.events,
    async stop() {
      machine.accepting = false;
      // As startSandbox's stop: pages and API calls in flight are answered first, then every
      // execution stops (its end reported), then the rest, the store last.
      await services.page.stop();
      for (const entry of machine.running()) entry.run.execution.abort();
      await Promise.all(machine.entries.map((entry) => entry.run.result));
      await services.teardown.run();
    },
  };
}

function localUser(): string {
  try {
    return userInfo().username || "sandbox";
  } catch {
    return "sandbox";
  }
}
