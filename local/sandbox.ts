/**
 * The local sandbox: one whole approval request on this machine, no AWS account.
 *
 * It runs the program's own state-machine definition (core/definition.ts) with the local runner,
 * and every Lambda task with the real handler module (each in its own worker, with the
 * environment the topology gives it when deployed). The handlers reach, through
 * `AWS_ENDPOINT_URL_<SERVICE>` and dummy credentials, local stand-ins on 127.0.0.1 only:
 * dynalite as the request store, a local SNS (its outbox replaces email), a local Step Functions
 * endpoint that settles the runner's waiting tasks, and each channel's own stand-ins
 * (channels/local.ts). The approval page is served through a local API Gateway stand-in on
 * `port`, beside each channel's local pages. Nothing in lambdas/ knows it runs locally.
 *
 * The request runs the stack's stages in order, as deployed. `startSandbox()` is used by the CLI
 * (local/main.ts), the tests and the bench; it reports what happens through `onEvent` (in one
 * order: local/round-tracker.ts) and the handle's fields, and `stop()` ends everything it
 * started, in an order that loses nothing: the pages answer the requests in flight, the execution
 * stops and its end is reported, then the channels, functions and local endpoints stop, and the
 * store last, once nothing works on it.
 */
import { randomUUID } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { buildDefinition, stageStateName, type DefinitionStage } from "../core/definition";
import { requestKey, type ExecutionInput, type RequestRecord } from "../core/model";
import { definitionStagesOf, peopleOf } from "../core/definition-stages";
import { channelsInUse, type WorkflowSettings } from "../core/settings";
import { functionTopology } from "../core/topology";
import { channelSpec } from "../channels/registry";
import { channelLocal } from "../channels/local";
import type { LocalChannel, LocalChannelContext } from "../channels/local-types";
import type { SandboxReviewers } from "../channels/automated/local-options";
import { createRequestStore } from "../lambdas/adapters/store";
import { ENV } from "../core/environment";
import { DEFAULT_RECORD_RETENTION_DAYS } from "../core/limits";
import { DEFAULT_DECIDED_DELIVERY } from "../core/decided-event";
import { startFakeSns, type FakeSns, type PublishedMessage } from "./fake-sns";
import { startFakeEventBridge, type FakeEventBridge, type LocalEvent } from "./fake-eventbridge";
import { startFakeStepFunctions } from "./fake-stepfunctions";
import { serveThroughGateway } from "./http-gateway";
import { startLocalFunctions, type LocalFunctions } from "./local-functions";
import { lambdaEnvironment, localFunctionArn, localFunctionSpecs, LOCAL_PREFIX } from "./local-topology";
import { startPageServer, type Handler, type PageServer } from "./page-server";
import { startRequestTable, type RequestTable } from "./request-table";
import type { ApproverAsked, DecisionArrived, SandboxEvent, SandboxResult } from "./round-events";
import { RoundTracker } from "./round-tracker";
import {
  createTaskRegistry,
  runLocally,
  type ExecutionEvent,
  type LocalExecution,
  type TaskObservation,
  type TaskTokenRegistry,
} from "./state-machine-runner";
import { Teardown } from "./teardown";
import { startParameterStore } from "./fake-parameter-store";
import { startLocalSignIn, type LocalSignIn } from "./sign-in";

export type { ApproverAsked, DecisionArrived, SandboxEvent, SandboxResult } from "./round-events";

export const LOCAL_ACCOUNT = "000000000000";
const LOCAL_CREDENTIALS = { accessKeyId: "sandbox", secretAccessKey: "sandbox" };

export interface SandboxOptions {
  settings: WorkflowSettings;
  /** The execution input, as a caller would pass it to StartExecution. */
  request: ExecutionInput;
  /** Port of the approval page on 127.0.0.1; 0 (default) takes any free port. */
  port?: number;
  region?: string;
  /** Every stage's time to decide, instead of the config's. */
  timeoutSeconds?: number;
  /** Names the local SSM document as the stack would (default "local"). */
  stack?: string;
  /** Approvers whose email subscription is not confirmed (they are recorded as unreachable). */
  unconfirmed?: string[];
  /** How automated reviewers are played locally (a module per function reviewer, the Bedrock stand-in's answers). */
  reviewers?: SandboxReviewers;
  /** Sign-in on the approval page, through a real OpenID Provider on loopback (local/sign-in.ts). */
  signIn?: boolean;
  /** Everything the sandbox reports, as it happens. */
  onEvent?: (event: SandboxEvent) => void;
}

export interface Sandbox {
  /** Base URL of the approval page, with a trailing slash (like the deployed endpoint's URL). */
  pageUrl: string;
  port: number;
  executionArn: string;
  /** The settings the round runs with (timeouts overridden or capped for the local runner). */
  settings: WorkflowSettings;
  /** Every message published to an approver's topic. */
  outbox: readonly PublishedMessage[];
  /** Every event put on the local EventBridge (the request's "Approval Decided"). */
  decidedEvents: readonly LocalEvent[];
  /** Every approver asked so far, in the order they were asked. */
  asked: readonly ApproverAsked[];
  /** Every decision recorded so far, in the order it arrived. */
  decisions: readonly DecisionArrived[];
  /** With sign-in: the local OpenID Provider, and the session key the page seals sessions with. */
  signIn?: { issuer: string; sessionKey: Uint8Array; subjectOf(email: string): string };
  /** Resolves once every approver of the stage has been asked (or the execution ended first), in config order. */
  stageAsked(stage: number): Promise<readonly ApproverAsked[]>;
  /** Resolves when the execution ends; never rejects. */
  result: Promise<SandboxResult>;
  /** The request record as stored now (undefined before it is opened). */
  readRequest(): Promise<RequestRecord | undefined>;
  /** Stops the execution if it still runs, and every server and worker. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The longest wait the local runner can time: aws-local-stepfunctions arms one Node timer per
 * waiting task, and Node fires any timer over 2^31-1 ms (about 24.8 days) at once.
 */
export const MAX_LOCAL_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** The settings the round runs with: --timeout for every stage, capped at what the local runner can time. */
function localSettings(options: SandboxOptions, warn: (message: string) => void): WorkflowSettings {
  const stages = options.settings.stages.map((stage) => {
    const wanted = options.timeoutSeconds ?? stage.timeoutSeconds;
    if (wanted > MAX_LOCAL_TIMEOUT_SECONDS) {
      warn(
        `the local runner waits at most ${MAX_LOCAL_TIMEOUT_SECONDS} s (about 24.8 days); stage ${stage.name} uses that instead of ${wanted} s`,
      );
    }
    return { ...stage, timeoutSeconds: Math.min(wanted, MAX_LOCAL_TIMEOUT_SECONDS) };
  });
  return { ...options.settings, stages };
}

function emitterOf(options: SandboxOptions): (event: SandboxEvent) => void {
  return (event) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's bug must not break the round.
    }
  };
}

/**
 * Why `--unconfirmed` cannot take these names, or undefined: each must be an approver of the
 * round who is notified by email (the only subscription the local SNS keeps).
 */
export function unconfirmedProblem(settings: WorkflowSettings, names: readonly string[]): string | undefined {
  const emailed = peopleOf(settings).filter((a) => a.email !== undefined);
  const unknown = names.filter((name) => !emailed.some((a) => a.name === name));
  if (unknown.length === 0) return undefined;
  const known = emailed.map((a) => a.name).join(", ");
  return `--unconfirmed ${unknown.join(", ")}: not an approver with an email subscription in this stack (those are: ${known})`;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  // The round's tracker follows the one request; the services report to it once it exists.
  const follow: { tracker?: RoundTracker } = {};
  const services = await startSandboxServices(options, {
    markAsked: (entry) => follow.tracker?.markAsked(entry),
    refreshDecisions: () => follow.tracker?.refreshDecisions() ?? Promise.resolve(),
    report: (event) => (follow.tracker ? follow.tracker.report(event) : undefined),
  });
  try {
    return runRound(services, follow, options.request);
  } catch (error) {
    await services.teardown.run();
    throw error;
  }
}

/**
 * What the parts every request shares (pages, channels, the callback endpoint) tell whoever
 * follows the requests: an approver was asked, something may have recorded a decision. That is
 * one round's tracker (startSandbox), or a router to each request's tracker (local/serve.ts).
 */
export interface RoundFollower {
  markAsked(entry: ApproverAsked): Promise<void> | void;
  refreshDecisions(): Promise<void>;
  /**
   * Reports a handler's log line in order with the round's other events (a stage's end is read
   * from the store before it is reported, so a line logged just after must wait its turn);
   * returns false when there is no round to report through.
   */
  report?(event: SandboxEvent): boolean | undefined;
}

/** Everything a round is built from, as it comes up. */
interface Round {
  options: SandboxOptions;
  settings: WorkflowSettings;
  region: string;
  page: PageServer;
  teardown: Teardown;
  emit: (event: SandboxEvent) => void;
  table: RequestTable;
  sns: FakeSns;
  eventBridge: FakeEventBridge;
  registry: TaskTokenRegistry;
  tracker: RoundFollower;
  channels: Map<string, LocalChannel>;
  signIn?: LocalSignIn;
  /** Answers a request before the pages do, when it returns true (local/serve.ts: its API and index). */
  intercept?: (req: Parameters<Handler>[0], res: Parameters<Handler>[1]) => Promise<boolean>;
}

/** The sandbox's services without an execution: startSandbox runs one request on them, local/serve.ts many. */
export interface SandboxServices {
  settings: WorkflowSettings;
  region: string;
  page: PageServer;
  teardown: Teardown;
  emit: (event: SandboxEvent) => void;
  sns: FakeSns;
  eventBridge: FakeEventBridge;
  /** Invokes a function by topology key, as its AWS trigger would (e.g. the execution-end rule). */
  invoke(functionKey: string, payload: unknown): Promise<unknown>;
  readRequest(requestId: string): Promise<RequestRecord | undefined>;
  /** Answers some requests to the page server before the pages do (when the handler returns true). */
  intercept(handler: (req: Parameters<Handler>[0], res: Parameters<Handler>[1]) => Promise<boolean>): void;
  /** With sign-in: the local OpenID Provider and the session key (for tests that forge or expire sessions). */
  signIn?: LocalSignIn;
  /** The stack's state-machine definition, as the round runs it. */
  definition: ReturnType<typeof buildDefinition>;
  /** Starts one execution of the stack's definition. */
  launch(run: RunSpec): LaunchedRun;
}

export interface RunSpec {
  input: unknown;
  executionArn: string;
  tracker: RoundTracker;
  /** The runner's events and task results, as they happen (local/serve.ts keeps the execution history). */
  onEvent?: (event: ExecutionEvent) => void;
  onTask?: (task: TaskObservation) => void;
}

export interface LaunchedRun {
  execution: LocalExecution;
  /** The request's id, once open-request has returned it. */
  requestId(): string | undefined;
  /** The execution's end as the sandbox reports it, after the last decisions; never rejects. */
  result: Promise<SandboxResult>;
}

/** Starts everything but an execution; `follower` hears of every approver asked and every possible decision. */
export async function startSandboxServices(options: SandboxOptions, follower: RoundFollower): Promise<SandboxServices> {
  const problem = unconfirmedProblem(options.settings, options.unconfirmed ?? []);
  if (problem !== undefined) throw new RangeError(problem);
  const teardown = new Teardown();
  // The page's port first: if it is taken, fail before starting anything else.
  const page = await startPageServer(options.port ?? 0);
  teardown.add(() => page.stop());
  try {
    return await startServices(options, page, teardown, follower);
  } catch (error) {
    await teardown.run();
    throw error;
  }
}

const topicArnOf = (region: string) => (approver: string) =>
  `arn:aws:sns:${region}:${LOCAL_ACCOUNT}:Automation-${approver}-local`;

async function startServices(
  options: SandboxOptions,
  page: PageServer,
  teardown: Teardown,
  follower: RoundFollower,
): Promise<SandboxServices> {
  const emit = emitterOf(options);
  const region = options.region ?? "eu-west-1";
  const settings = localSettings(options, (message) => emit({ type: "warning", message }));
  const table = await startRequestTable({
    tableName: `${LOCAL_PREFIX}-requests-local`,
    region,
    credentials: LOCAL_CREDENTIALS,
  });
  teardown.add(() => table.stop());
  const round: Round = {
    options,
    settings,
    region,
    page,
    teardown,
    emit,
    table,
    registry: createTaskRegistry(),
    tracker: follower,
    channels: new Map(),
  } as Round;
  if (options.signIn) {
    const signIn = await startLocalSignIn(settings, page.pageUrl, region, LOCAL_ACCOUNT);
    teardown.add(() => signIn.stop());
    round.signIn = signIn;
    round.settings = { ...settings, signIn: signIn.settings };
  }
  round.sns = await startSns(round);
  round.eventBridge = await startFakeEventBridge({ buses: [decidedDeliveryOf(settings).eventBus] });
  teardown.add(() => round.eventBridge.stop());
  const sfn = await startFakeStepFunctions({
    registry: round.registry,
    onCallback: () => void round.tracker.refreshDecisions(),
  });
  teardown.add(() => sfn.stop());
  // The channels' triggers (e.g. EventBridge) invoke functions, which start after the channels.
  const late: { functions?: LocalFunctions } = {};
  const invoke = (key: string, payload: unknown) =>
    late.functions === undefined
      ? Promise.reject(new Error(`${key} is not running yet`))
      : late.functions.invoke(localFunctionArn(region, LOCAL_ACCOUNT, key), payload);
  await startChannels(round, invoke);
  const functions = await startFunctions(round, {
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    AWS_ENDPOINT_URL_SNS: round.sns.endpoint,
    AWS_ENDPOINT_URL_SFN: sfn.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: round.eventBridge.endpoint,
  });
  late.functions = functions;
  servePages(round, functions);
  const definition = roundDefinition(round);
  return {
    settings: round.settings,
    ...(round.signIn === undefined ? {} : { signIn: round.signIn }),
    region,
    page,
    teardown,
    emit,
    sns: round.sns,
    eventBridge: round.eventBridge,
    invoke,
    readRequest: (requestId) => readRequest(round, requestId),
    intercept: (handler) => (round.intercept = handler),
    definition: definition.definition,
    launch: (run) => launch(round, functions, definition, run),
  };
}

/** Where the round's Approval Decided event goes: the stack's settings, or the default bus. */
const decidedDeliveryOf = (settings: WorkflowSettings) => settings.decided ?? DEFAULT_DECIDED_DELIVERY;

async function readRequest(round: Round, requestId: string): Promise<RequestRecord | undefined> {
  const out = await round.table.documents.send(
    new GetCommand({
      TableName: round.table.tableName,
      Key: { pk: requestKey(requestId) },
      ConsistentRead: true,
    }),
  );
  return out.Item as RequestRecord | undefined;
}

async function startSns(round: Round): Promise<FakeSns> {
  const arnOf = topicArnOf(round.region);
  const people = peopleOf(round.settings).filter((a) => a.email !== undefined);
  const approverOfTopic = new Map(people.map((a) => [arnOf(a.name), a]));
  const unconfirmed = new Set(round.options.unconfirmed ?? []);
  const requesterTopic = decidedDeliveryOf(round.settings).requesterTopicArn;
  const sns = await startFakeSns({
    topicArns: [...approverOfTopic.keys(), ...(requesterTopic === undefined ? [] : [requesterTopic])],
    subscriptions: Object.fromEntries(
      people.map((a) => [arnOf(a.name), { email: a.email!, confirmed: !unconfirmed.has(a.name) }]),
    ),
    onPublish: (message) => {
      const approver = approverOfTopic.get(message.topicArn);
      if (approver !== undefined) round.channels.get(approver.channel)?.onPublish?.(message, approver);
    },
  });
  round.teardown.add(() => sns.stop());
  return sns;
}

type InvokeByKey = (functionKey: string, payload: unknown) => Promise<unknown>;

function channelContext(round: Round, kind: string, invoke: InvokeByKey): LocalChannelContext {
  return {
    region: round.region,
    account: LOCAL_ACCOUNT,
    stack: round.options.stack ?? "local",
    pageUrl: round.page.pageUrl,
    settings: round.settings,
    approvers: peopleOf(round.settings).filter((a) => a.channel === kind),
    topicArnOf: topicArnOf(round.region),
    sns: round.sns,
    store: createRequestStore({ client: round.table.documents, tableName: round.table.tableName }),
    invoke,
    asked: (entry) => void round.tracker.markAsked(entry),
    refreshDecisions: () => round.tracker.refreshDecisions(),
    emit: round.emit,
    sleep: (ms) => round.teardown.sleep(ms),
    stopping: () => round.teardown.stopping,
    reviewers: round.options.reviewers,
  };
}

/** Starts the stand-ins of every channel in use (channels/local.ts). */
async function startChannels(round: Round, invoke: InvokeByKey): Promise<void> {
  for (const kind of channelsInUse(round.settings)) {
    const channel = await channelLocal(kind).start(channelContext(round, kind, invoke));
    round.channels.set(kind, channel);
    round.teardown.add(() => channel.stop());
  }
}

/** Starts the functions of the topology, with the environment the shared stand-ins and the channels give. */
async function startFunctions(round: Round, shared: Record<string, string>): Promise<LocalFunctions> {
  const channelPieces = [...round.channels.values()];
  const endpoints: Record<string, string> = Object.assign({ ...shared }, ...channelPieces.map((c) => c.endpoints));
  const values: Record<string, string> = Object.assign(
    {
      [ENV.tableName]: round.table.tableName,
      [ENV.recordRetentionDays]: String(DEFAULT_RECORD_RETENTION_DAYS),
      [ENV.approvalPageUrl]: round.page.pageUrl,
      [ENV.decidedDelivery]: JSON.stringify(decidedDeliveryOf(round.settings)),
    },
    ...channelPieces.map((c) => c.environment),
    round.signIn?.environment ?? {},
  );
  if (round.signIn !== undefined) {
    // The page reads its sign-in secrets from SSM; other SSM calls go on to the iam channel's stand-in.
    const parameters = await startParameterStore(round.signIn.parameters, endpoints.AWS_ENDPOINT_URL_SSM);
    round.teardown.add(() => parameters.stop());
    endpoints.AWS_ENDPOINT_URL_SSM = parameters.endpoint;
  }
  const topology = functionTopology(channelsInUse(round.settings).flatMap((kind) => channelSpec(kind).functions));
  const specs = localFunctionSpecs(topology, {
    region: round.region,
    account: LOCAL_ACCOUNT,
    base: lambdaEnvironment(round.region, endpoints, LOCAL_CREDENTIALS),
    values,
  });
  const functions = await startLocalFunctions(specs, {
    onLog: (line) => {
      const event: SandboxEvent = { type: "log", ...line };
      if (!round.tracker.report?.(event)) round.emit(event);
    },
  });
  round.teardown.add(() => functions.stop());
  return functions;
}

function servePages(round: Round, functions: LocalFunctions): void {
  const identity = { apiId: "local", accountId: LOCAL_ACCOUNT, domainName: `127.0.0.1:${round.page.port}` };
  const routes = [...round.channels.values()].flatMap((channel) => channel.routes);
  const pageArn = localFunctionArn(round.region, LOCAL_ACCOUNT, "approval-page");
  round.page.serve(async (req, res) => {
    if (round.intercept !== undefined && (await round.intercept(req, res))) return;
    const route = routes.find((r) => (req.url ?? "").startsWith(r.prefix));
    if (route !== undefined) return route.serve(req, res);
    await serveThroughGateway(req, res, identity, (event) => functions.invoke(pageArn, event));
    if (req.method === "POST") await round.tracker.refreshDecisions();
  });
}

function definitionStages(round: Round): DefinitionStage[] {
  const arnOf = topicArnOf(round.region);
  const people = peopleOf(round.settings).filter((person) => person.email !== undefined);
  return definitionStagesOf(
    round.settings,
    Object.fromEntries(people.map((person) => [person.name, arnOf(person.name)])),
  );
}

/** Stage Parallel states entered and left, reported (in order) by the tracker as stageOpened / stageEnded. */
function stageEvents(round: Round, tracker: RoundTracker): (event: ExecutionEvent) => void {
  const byState = new Map(round.settings.stages.map((stage, index) => [stageStateName(index, stage.name), index]));
  return (event) => {
    if (!("state" in event) || event.state.type !== "Parallel") return;
    const index = byState.get(event.state.name);
    if (index === undefined) return;
    if (event.type === "StateEntered") void tracker.stageOpened(index);
    if (event.type === "StateExited" || event.type === "StateFailed" || event.type === "StateCaught")
      void tracker.stageEnded(index);
  };
}

/** The round's definition, built as the stack builds it, and which topology function each local ARN is. */
function roundDefinition(round: Round) {
  const topology = functionTopology(channelsInUse(round.settings).flatMap((kind) => channelSpec(kind).functions));
  const functionKeys = new Map(topology.map((fn) => [localFunctionArn(round.region, LOCAL_ACCOUNT, fn.key), fn]));
  const definition = buildDefinition({
    stages: definitionStages(round),
    functions: Object.fromEntries([...functionKeys].map(([arn, fn]) => [fn.key, arn])),
    branches: Object.fromEntries(channelsInUse(round.settings).map((kind) => [kind, channelSpec(kind).branch])),
    selfApproval: round.settings.selfApproval,
  });
  return { definition, functionKeys };
}

type RoundDefinition = ReturnType<typeof roundDefinition>;

/** One execution of the round's definition, with its own tracker. */
function launch(round: Round, functions: LocalFunctions, built: RoundDefinition, run: RunSpec): LaunchedRun {
  const { definition, functionKeys } = built;
  let requestId: string | undefined;
  const stages = stageEvents(round, run.tracker);
  const execution = runLocally(definition, run.input, {
    registry: round.registry,
    executionArn: run.executionArn,
    onEvent: (event) => {
      stages(event);
      run.onEvent?.(event);
    },
    ...(run.onTask === undefined ? {} : { onTask: run.onTask }),
    invoke: async (functionArn, payload) => {
      const result = await functions.invoke(functionArn, payload);
      const fn = functionKeys.get(functionArn);
      if (fn?.key === "open-request") requestId = (result as { requestId: string }).requestId;
      else await run.tracker.refreshDecisions();
      if (fn?.channel !== undefined) round.channels.get(fn.channel)?.onInvoked?.(fn.key, payload, result);
      return result;
    },
  });
  return { execution, requestId: () => requestId, result: resultOf(round, execution, run.tracker) };
}

/** The execution's end as the sandbox reports it, after the last decisions; never rejects. */
async function resultOf(round: Round, execution: LocalExecution, tracker: RoundTracker): Promise<SandboxResult> {
  let done: SandboxResult;
  try {
    const outcome = await execution.result;
    await tracker.refreshDecisions();
    done = { status: outcome.status };
    if (outcome.output !== undefined) done.output = outcome.output as SandboxResult["output"];
    if (outcome.error !== undefined) done.error = outcome.error;
    if (outcome.cause !== undefined) done.cause = outcome.cause;
  } catch (error) {
    done = {
      status: "FAILED",
      error: "Sandbox.RunnerError",
      cause: error instanceof Error ? error.message : String(error),
    };
  }
  await tracker.end();
  round.emit({ type: "closed", result: done });
  return done;
}

function runRound(services: SandboxServices, follow: { tracker?: RoundTracker }, request: ExecutionInput): Sandbox {
  const executionArn = `arn:aws:states:${services.region}:${LOCAL_ACCOUNT}:execution:${LOCAL_PREFIX}-workflow-local:${randomUUID()}`;
  const holder: { run?: LaunchedRun } = {};
  const readOwn = async () => {
    const requestId = holder.run?.requestId();
    return requestId === undefined ? undefined : services.readRequest(requestId);
  };
  const tracker = new RoundTracker(services.settings, services.emit, readOwn);
  follow.tracker = tracker;
  const run = services.launch({ input: request, executionArn, tracker });
  holder.run = run;
  let running = true;
  const abort = () => {
    if (running) run.execution.abort();
  };
  services.teardown.add(abort);
  const result = run.result.finally(() => (running = false));
  return {
    pageUrl: services.page.pageUrl,
    port: services.page.port,
    executionArn,
    settings: services.settings,
    outbox: services.sns.outbox,
    decidedEvents: services.eventBridge.events,
    asked: tracker.asked,
    decisions: tracker.decisions,
    ...(services.signIn === undefined
      ? {}
      : {
          signIn: {
            issuer: services.signIn.provider.issuer,
            sessionKey: services.signIn.sessionKey,
            subjectOf: (email: string) => services.signIn!.provider.subjectOf(email),
          },
        }),
    stageAsked: (stage) => tracker.whenStageAsked(stage),
    result,
    readRequest: readOwn,
    stop: async () => {
      // Pages first: requests in flight are answered (a decision being recorded is recorded and
      // answered) while the functions and the store are still up. Then the execution stops and
      // its end is reported (the last read of the store); then everything else in reverse order
      // of starting, the store last, once nothing is working on it.
      await services.page.stop();
      abort();
      await result;
      await services.teardown.run();
    },
  };
}
