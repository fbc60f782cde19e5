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

export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const emit = (event: ServeEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's bug must not break the server.
    }
  };
  const entries: Entry[] = [];
  const running = () => entries.filter((entry) => entry.served.status === "RUNNING");
  const follower: RoundFollower = {
    markAsked(entry) {
      const owner = entries.find((e) => entry.requestId !== undefined && e.run.requestId() === entry.requestId);
      if (owner !== undefined) return owner.tracker.markAsked(entry);
      return emit({
        type: "service",
        event: { type: "warning", message: `${entry.approver} was asked for a request the sandbox cannot place` },
      });
    },
    refreshDecisions: async () => {
      await Promise.all(running().map((entry) => entry.tracker.refreshDecisions()));
    },
  };
  const services = await startSandboxServices(
    { ...options, request: { subject: "" }, onEvent: (event) => emit({ type: "service", event }) },
    follower,
  );
  const region = services.region;
  const stateMachineArn = `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${LOCAL_PREFIX}-workflow-local`;
  const executionPrefix = `arn:aws:states:${region}:${LOCAL_ACCOUNT}:execution:${LOCAL_PREFIX}-workflow-local`;
  const roleArn = `arn:aws:iam::${LOCAL_ACCOUNT}:role/${LOCAL_PREFIX}-workflow-role-local`;
  const user = options.user ?? localUser();
  let accepting = true;

  /** The deployed execution-end rule: close-request gets the status change of an execution that did not close itself. */
  async function executionEndRule(entry: Entry): Promise<void> {
    const { served } = entry;
    // Not while the sandbox stops: its executions end with it, and nothing is left to show them closed.
    if (!accepting || !(served.status in UNFINISHED_ENDS)) return;
    const event = {
      version: "0",
      id: randomUUID(),
      "detail-type": EXECUTION_STATUS_CHANGE,
      source: STATES_EVENT_SOURCE,
      account: LOCAL_ACCOUNT,
      time: new Date().toISOString(),
      region,
      resources: [served.executionArn],
      detail: {
        executionArn: served.executionArn,
        stateMachineArn,
        name: served.name,
        status: served.status,
        startDate: served.startDate.getTime(),
        stopDate: served.stopDate?.getTime() ?? null,
        input: served.input,
        output: null,
      },
    };
    try {
      await services.invoke("close-request", event);
    } catch (error) {
      emit({
        type: "service",
        event: {
          type: "warning",
          message: `close-request failed on the execution-end event of ${served.name}: ${error instanceof Error ? error.message : String(error)}`,
        },
      });
    }
  }

  function start(name: string, input: string): ServedRequest {
    if (!accepting) throw new LocalAwsError("ServiceUnavailable", "The sandbox is stopping", 503);
    if (running().length >= MAX_OPEN_EXECUTIONS)
      throw new LocalAwsError(
        "ExecutionLimitExceeded",
        `The sandbox runs at most ${MAX_OPEN_EXECUTIONS} executions at once`,
      );
    const executionArn = `${executionPrefix}:${name}`;
    const history = new ExecutionHistory(services.definition, region, roleArn);
    const holder: { served?: ServedRequest; run?: LaunchedRun } = {};
    const tracker = new RoundTracker(
      services.settings,
      (event) => emit({ type: "request", execution: holder.served!, event }),
      async () => {
        const requestId = holder.run?.requestId();
        return requestId === undefined ? undefined : services.readRequest(requestId);
      },
    );
    const run = services.launch({
      input: JSON.parse(input),
      executionArn,
      tracker,
      onEvent: (event) => history.record(event),
      onTask: (task) => history.task(task),
    });
    holder.run = run;
    const entry = {} as Entry;
    const ended = run.result.then(async (result) => {
      const stop = entry.stopping;
      served.status = result.status;
      served.stopDate = new Date();
      if (result.output !== undefined) served.output = JSON.stringify(result.output satisfies ExecutionOutput);
      const error = stop !== undefined ? stop.error : result.error;
      const cause = stop !== undefined ? stop.cause : result.cause;
      if (error !== undefined) served.error = error;
      if (cause !== undefined) served.cause = cause;
      if (result.status === "ABORTED") history.aborted(error, cause);
      if (result.status === "TIMED_OUT") history.timedOut();
      await executionEndRule(entry);
      emit({ type: "ended", execution: served, result });
      return result;
    });
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
      ended,
      ...(subjectOf(input) === undefined ? {} : { subject: subjectOf(input) }),
    };
    holder.served = served;
    Object.assign(entry, { served, tracker, run, history });
    entries.unshift(entry);
    emit({ type: "started", execution: served });
    return served;
  }

  const backend: StateMachineBackend = {
    stateMachineArn,
    start,
    get: (arn) => entries.find((entry) => entry.served.executionArn === arn)?.served,
    list: () => entries.map((entry) => entry.served),
    async stop(execution, error, cause) {
      const entry = entries.find((e) => e.served === execution);
      if (entry === undefined || entry.served.status !== "RUNNING") return;
      entry.stopping = {
        ...(error === undefined ? {} : { error }),
        ...(cause === undefined ? {} : { cause }),
      };
      entry.run.execution.abort();
      await entry.served.ended;
    },
    callerIdentity: () => ({
      arn: `arn:aws:iam::${LOCAL_ACCOUNT}:user/${user}`,
      account: LOCAL_ACCOUNT,
      userId: "AIDASANDBOXLOCALUSER",
    }),
  };

  services.intercept(async (req, res) => {
    if (await serveAwsApi(backend, req, res)) return true;
    return serveOpenRequests(req, res, {
      stateMachineArn,
      endpoint: services.page.pageUrl.replace(/\/$/, ""),
      open: () => running().map((entry) => entry.served),
    });
  });
  services.eventBridge.listen((event) => emit({ type: "eventPut", event }));

  return {
    endpoint: services.page.pageUrl.replace(/\/$/, ""),
    pageUrl: services.page.pageUrl,
    port: services.page.port,
    stateMachineArn,
    region,
    services,
    executions: () => entries.map((entry) => entry.served),
    decidedEvents: services.eventBridge.events,
    async stop() {
      accepting = false;
      // As startSandbox's stop: pages and API calls in flight are answered first, then every
      // execution stops (its end reported), then the rest, the store last.
      await services.page.stop();
      for (const entry of running()) entry.run.execution.abort();
      await Promise.all(entries.map((entry) => entry.run.result));
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
