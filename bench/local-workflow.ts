/**
 * The workflow run locally for measurement: the deployed definition (core/definition.ts, built
 * from the stages, the link channel's branch shape and the function topology) in the local runner
 * (aws-local-stepfunctions), the real handlers of the topology (core/topology.ts with the link
 * channel's functions, the set a stack of email approvers deploys) against dynalite and the
 * sandbox's local SNS and Step Functions endpoints (reached through AWS_ENDPOINT_URL_*, as in
 * `npm start`), the approval page behind the sandbox's API Gateway stand-in on a loopback port,
 * every handler invocation timed and every AWS call counted (local-aws.ts). Cost and latency
 * benchmarks both drive requests through this.
 *
 * The handlers run in this process (not in the sandbox's worker threads) so that the counting
 * middleware can sit on their own SDK clients and each invocation can be timed alone; each gets
 * exactly the environment variables its topology entry lists, as when deployed.
 */
import { createServer } from "node:http";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { channelSpec } from "../channels/registry";
import { LINK } from "../channels/link/spec";
import type { AslDefinition } from "../core/asl";
import { buildDefinition, type DefinitionStage } from "../core/definition";
import { ENV } from "../core/environment";
import { DEFAULT_RECORD_RETENTION_DAYS, MAX_APPROVERS } from "../core/limits";
import { approvalLink } from "../core/routes";
import { functionTopology, type FunctionSpec } from "../core/topology";
import { startDynalite, type LocalTable } from "../devkit/dynalite";
import { setEnv } from "../devkit/loopback";
import { documentClient } from "../lambdas/adapters/dynamodb-client";
import { sfnClient } from "../lambdas/adapters/sfn-client";
import { snsClient } from "../lambdas/adapters/sns-client";
import { startFakeSns } from "../local/fake-sns";
import { startFakeEventBridge } from "../local/fake-eventbridge";
import { DEFAULT_DECIDED_DELIVERY } from "../core/decided-event";
import { startFakeStepFunctions } from "../local/fake-stepfunctions";
import { serveThroughGateway, type GatewayIdentity } from "../local/http-gateway";
import { closeServer, listenOnLoopback, loopbackUrl } from "../local/loopback";
import {
  createTaskRegistry,
  runLocally,
  type ExecutionEvent,
  type LocalExecution,
  type TaskTokenRegistry,
} from "../local/state-machine-runner";
import { countDynamoDb, countSnsRequests, countTaskCallbacks, CallLog } from "./local-aws";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
export const APPROVAL_PAGE_URL = "https://approvals.example.com/";
/** The default approval timeout (7d): never reached here, every approver answers. */
const TIMEOUT_SECONDS = 7 * 24 * 3600;
const LAMBDAS_DIR = path.join(__dirname, "..", "lambdas");

/** The functions a stack of link (email) approvers deploys: the lifecycle and the link channel's. */
export const TOPOLOGY: readonly FunctionSpec[] = functionTopology(channelSpec(LINK).functions);

const functionArn = (key: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:approval-${key}`;

/** Approvers are numbered across stages (approver-1 in stage 1, approver-2..4 in stage 2, ...). */
export const approverName = (index: number) => `approver-${index + 1}`;
const topicArn = (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:approval-${name}`;
export const stageName = (index: number) => `stage-${index + 1}`;

/** One handler invocation: which function (its topology key), how long it ran (wall clock, in-process). */
export interface Invocation {
  functionName: string;
  ms: number;
}

export interface PageAnswer {
  statusCode: number;
  body: string;
  ms: number;
}

export interface RunningRequest {
  subject: string;
  execution: LocalExecution;
  /** Approver names of each stage, in order. */
  stages: string[][];
  /** Resolves with the time (performance.now()) of the first event from now on that matches. */
  nextEvent(match: (event: ExecutionEvent) => boolean): Promise<number>;
  /** Waits until `count` approvers (default: all of every stage) were emailed; returns approver → ask id from their links. */
  links(count?: number): Promise<Map<string, string>>;
  /** approver → ask id for the emails published so far. */
  linksSoFar(): Map<string, string>;
}

export interface LocalWorkflow {
  calls: CallLog;
  invocations: Invocation[];
  /**
   * When true, handler runs (Task invocations and page calls) take turns, so each is timed alone
   * as in its own Lambda container rather than sharing this process with its siblings. On for
   * cost counting, off when concurrency itself is measured.
   */
  isolateInvocations: boolean;
  /**
   * Starts one request: `stageSizes[s]` link approvers in stage s, each stage's quorum from
   * `quorums` (default: every approver of the stage).
   */
  start(stageSizes: readonly number[], quorums?: readonly number[], remindEverySeconds?: number): RunningRequest;
  /** An HTTP request to the approval page (API Gateway stand-in → approval-page handler), timed by the client. */
  page(method: "GET" | "POST", askId: string, form?: string): Promise<PageAnswer>;
  /** Forgets the calls and invocations counted so far. */
  resetCounts(): void;
  stop(): Promise<void>;
}

type Handler = (event: never) => Promise<unknown>;
type PageHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Every variable a function's topology entry lists must be set, as the component sets them when deployed. */
function checkEnvironment(topology: readonly FunctionSpec[]): void {
  for (const fn of topology)
    for (const variable of fn.env)
      if (!process.env[variable]) throw new Error(`bench: function ${fn.key} reads ${variable}, which is not set`);
}

async function loadHandlers(topology: readonly FunctionSpec[]): Promise<Map<string, Handler>> {
  const handlers = new Map<string, Handler>();
  for (const fn of topology) {
    const module = (await import(path.join(LAMBDAS_DIR, fn.entry, "index.ts"))) as { handler?: Handler };
    if (typeof module.handler !== "function") throw new Error(`bench: lambdas/${fn.entry} exports no handler`);
    handlers.set(fn.key, module.handler);
  }
  return handlers;
}

/** The local AWS the handlers talk to (dynalite, SNS, Step Functions, EventBridge), and their environment. */
interface StandIns {
  stop(): Promise<void>;
}

async function startStandIns(calls: CallLog, registry: TaskTokenRegistry): Promise<StandIns> {
  // Before any SDK client exists (dynalite's set-up creates one).
  const restoreQuiet = setEnv({
    LOG_LEVEL: "silent",
    // Only the variables set here count: never the user's ~/.aws files or an instance metadata service.
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    // Lambda runs nodejs24.x: the SDK's notice about this machine's older Node is noise here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  // Sets AWS_ENDPOINT_URL_DYNAMODB, the table name, a region and dummy credentials.
  const table: LocalTable = await startDynalite();
  const topics = Array.from({ length: MAX_APPROVERS }, (_, index) => topicArn(approverName(index)));
  const sns = await startFakeSns({
    topicArns: topics,
    // Every approver confirmed their email subscription (notify-approver checks before publishing).
    subscriptions: Object.fromEntries(
      topics.map((arn, index) => [arn, { email: `${approverName(index)}@example.com`, confirmed: true }]),
    ),
    onPublish: ({ topicArn: arn, subject, message }) => calls.published.push({ topicArn: arn, subject, message }),
  });
  const sfn = await startFakeStepFunctions({ registry });
  // close-request puts the Approval Decided event on the default bus.
  const eventBridge = await startFakeEventBridge();
  // The handlers' clients read these when first created; set before any handler runs.
  const restoreEnv = setEnv({
    [ENV.approvalPageUrl]: APPROVAL_PAGE_URL,
    [ENV.recordRetentionDays]: String(DEFAULT_RECORD_RETENTION_DAYS),
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_SFN: sfn.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
    [ENV.decidedDelivery]: JSON.stringify(DEFAULT_DECIDED_DELIVERY),
  });
  return {
    stop: async () => {
      await Promise.all([sns.stop(), sfn.stop(), eventBridge.stop()]);
      restoreEnv();
      await table.stop();
      restoreQuiet();
    },
  };
}

/** Runs and times handler invocations: one at a time while `isolate` is on. */
class InvocationTimer {
  invocations: Invocation[] = [];
  isolate = false;
  private turn: Promise<unknown> = Promise.resolve();

  run<T>(functionName: string, run: () => Promise<T>): Promise<T> {
    const invocation = async () => {
      const started = performance.now();
      try {
        return await run();
      } finally {
        this.invocations.push({ functionName, ms: performance.now() - started });
      }
    };
    if (!this.isolate) return invocation();
    const result = this.turn.then(invocation);
    this.turn = result.catch(() => undefined);
    return result;
  }
}

/** The topology's handlers, loaded in this process with their SDK calls counted, each invocation timed. */
interface LocalHandlers {
  /** A Task's Lambda invocation, by function ARN. */
  invoke(arn: string, payload: unknown): Promise<unknown>;
  /** The approval page, as the API invokes it. */
  approvalPage: PageHandler;
}

async function loadLocalHandlers(calls: CallLog, timer: InvocationTimer): Promise<LocalHandlers> {
  checkEnvironment(TOPOLOGY);
  const handlers = await loadHandlers(TOPOLOGY);
  const pageFunction = TOPOLOGY.find((fn) => fn.invokedBy.includes("api"));
  if (pageFunction === undefined) throw new Error("bench: no function of the topology serves the API");
  const pageHandler = handlers.get(pageFunction.key) as unknown as PageHandler;
  const keyOfArn = new Map(TOPOLOGY.map((fn) => [functionArn(fn.key), fn.key]));

  countDynamoDb(documentClient(), calls);
  countTaskCallbacks(sfnClient(), calls);
  countSnsRequests(snsClient(), calls);

  return {
    invoke(arn, payload) {
      const key = keyOfArn.get(arn);
      const handler = key === undefined ? undefined : handlers.get(key);
      if (key === undefined || handler === undefined)
        return Promise.reject(new Error(`bench: no local handler for ${arn}`));
      return timer.run(key, () => handler(payload as never));
    },
    approvalPage: (event) => timer.run(pageFunction.key, () => pageHandler(event)),
  };
}

function stagesOf(stageSizes: readonly number[]): string[][] {
  let next = 0;
  return stageSizes.map((size) => Array.from({ length: size }, () => approverName(next++)));
}

/** The deployed definition for stages of link approvers, built once per shape. */
function definitionBuilder(): (
  stageSizes: readonly number[],
  quorums: readonly number[],
  remindEverySeconds?: number,
) => AslDefinition {
  const definitions = new Map<string, AslDefinition>();
  return (stageSizes, quorums, remindEverySeconds) => {
    const key = `${stageSizes.join("+")}/${quorums.join("+")}/${remindEverySeconds ?? ""}`;
    let definition = definitions.get(key);
    if (definition === undefined) {
      const stages: DefinitionStage[] = stagesOf(stageSizes).map((names, index) => ({
        name: stageName(index),
        quorum: quorums[index],
        timeoutSeconds: TIMEOUT_SECONDS,
        ...(remindEverySeconds === undefined ? {} : { remindEverySeconds }),
        approvers: names.map((name) => ({
          name,
          channel: LINK,
          mode: "vote" as const,
          address: `${name}@example.com`,
          topicArn: topicArn(name),
          options: {},
        })),
      }));
      definition = buildDefinition({
        stages,
        functions: Object.fromEntries(TOPOLOGY.map((fn) => [fn.key, functionArn(fn.key)])),
        branches: { [LINK]: channelSpec(LINK).branch },
      });
      definitions.set(key, definition);
    }
    return definition;
  };
}

/** Starts requests in the local runner; what each one emailed is read from the SNS stand-in's log. */
function requestStarter(calls: CallLog, registry: TaskTokenRegistry, handlers: LocalHandlers): LocalWorkflow["start"] {
  const definitionFor = definitionBuilder();
  let serial = 0;
  return (stageSizes, quorums = stageSizes, remindEverySeconds) => {
    const total = stageSizes.reduce((sum, size) => sum + size, 0);
    if (total > MAX_APPROVERS) throw new Error(`bench: at most ${MAX_APPROVERS} approvers, got ${total}`);
    const subject = `Bench request ${++serial}`;
    const waiters: Array<{ match: (event: ExecutionEvent) => boolean; resolve: (at: number) => void }> = [];
    const execution = runLocally(
      definitionFor(stageSizes, quorums, remindEverySeconds),
      { subject, details: "Measured by npm run bench." },
      {
        invoke: handlers.invoke,
        registry,
        retryDelayMs: 0,
        onEvent: (event) => {
          const at = performance.now();
          for (let i = waiters.length - 1; i >= 0; i--) {
            if (waiters[i].match(event)) waiters.splice(i, 1)[0].resolve(at);
          }
        },
      },
    );
    const emailSubject = `Approval requested: ${subject}`;
    const linksSoFar = () =>
      linksOf(calls.published.filter((message) => message.subject === emailSubject).map((message) => message.message));
    return {
      subject,
      execution,
      stages: stagesOf(stageSizes),
      nextEvent: (match) => new Promise((resolve) => waiters.push({ match, resolve })),
      linksSoFar,
      links: async (count = total) => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const links = linksSoFar();
          if (links.size >= count) return links;
          if (Date.now() > deadline)
            throw new Error(`bench: only ${links.size} of ${count} approval emails for "${subject}"`);
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      },
    };
  };
}

/** The approval page behind the API Gateway stand-in on a loopback port, called over HTTP. */
interface LocalGateway {
  page: LocalWorkflow["page"];
  stop(): Promise<void>;
}

async function startGateway(handlers: LocalHandlers): Promise<LocalGateway> {
  const server = createServer((req, res) => {
    void serveThroughGateway(req, res, identity, handlers.approvalPage);
  });
  const port = await listenOnLoopback(server);
  const identity: GatewayIdentity = { apiId: "bench", accountId: ACCOUNT, domainName: `127.0.0.1:${port}` };
  return {
    async page(method, askId, form) {
      const started = performance.now();
      const response = await fetch(approvalLink(loopbackUrl(port), askId), {
        method,
        headers: form === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" },
        body: form,
      });
      const body = await response.text();
      return { statusCode: response.status, body, ms: performance.now() - started };
    },
    stop: () => closeServer(server),
  };
}

export async function startLocalWorkflow(): Promise<LocalWorkflow> {
  const calls = new CallLog();
  const registry = createTaskRegistry();
  const timer = new InvocationTimer();
  const standIns = await startStandIns(calls, registry);
  const handlers = await loadLocalHandlers(calls, timer);
  const gateway = await startGateway(handlers);
  return {
    calls,
    get invocations() {
      return timer.invocations;
    },
    get isolateInvocations() {
      return timer.isolate;
    },
    set isolateInvocations(on: boolean) {
      timer.isolate = on;
    },
    start: requestStarter(calls, registry, handlers),
    page: gateway.page,
    resetCounts: () => {
      calls.reset();
      timer.invocations = [];
    },
    stop: async () => {
      for (const client of [documentClient(), snsClient(), sfnClient()]) client.destroy();
      await gateway.stop();
      await standIns.stop();
    },
  };
}

/** approver → ask id, read from the approval emails as an approver would (the link's last segment). */
function linksOf(messages: string[]): Map<string, string> {
  const links = new Map<string, string>();
  for (const message of messages) {
    const approver = /as approver "([^"]+)"/.exec(message)?.[1];
    const askId = new RegExp(`${escapeRegExp(approvalLink(APPROVAL_PAGE_URL, ""))}([A-Za-z0-9_-]+)`).exec(message)?.[1];
    if (approver === undefined || askId === undefined)
      throw new Error(`bench: no approver or link in email:\n${message}`);
    links.set(approver, askId);
  }
  return links;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
