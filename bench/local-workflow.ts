/**
 * The workflow run locally for measurement: the real definition (components/definition.ts) in
 * the local runner (aws-local-stepfunctions), the real handlers against dynalite and the
 * sandbox's local SNS and Step Functions endpoints (reached through AWS_ENDPOINT_URL_*, as in
 * `npm start`), the approval page behind the sandbox's API Gateway stand-in on a loopback port,
 * every handler invocation timed and every AWS call counted (local-aws.ts). Cost and latency
 * benchmarks both drive requests through this.
 */
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { MAX_APPROVERS } from "../components/config";
import { buildDefinition, type AslDefinition } from "../core/definition";
import { startFakeSns } from "../local/fake-sns";
import { startFakeStepFunctions } from "../local/fake-stepfunctions";
import { serveThroughGateway, type GatewayIdentity } from "../local/http-gateway";
import { closeServer, listenOnLoopback, loopbackUrl } from "../local/loopback";
import {
  createTaskRegistry,
  runLocally,
  type ExecutionEvent,
  type LocalExecution,
} from "../local/state-machine-runner";
import { startDynalite, type LocalTable } from "../tests/helpers/dynalite";
import { setEnv } from "../tests/helpers/loopback";
import { countDynamoDb, countTaskCallbacks, CallLog } from "./local-aws";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
export const APPROVAL_PAGE_URL = "https://approvals.example.com/";
/** The default approval timeout (7d): never reached here, every approver answers. */
const TIMEOUT_SECONDS = 7 * 24 * 3600;

const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const FUNCTIONS = {
  openRequest: functionArn("open-request"),
  notifyApprover: functionArn("notify-approver"),
  recordExpiry: functionArn("record-expiry"),
  closeRequest: functionArn("close-request"),
};

export const approverName = (index: number) => `approver-${index + 1}`;
const topicArn = (index: number) => `arn:aws:sns:${REGION}:${ACCOUNT}:${approverName(index)}`;

/** One handler invocation: which function, how long it ran (wall clock, in-process). */
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
  /** Resolves with the time (performance.now()) of the first event from now on that matches. */
  nextEvent(match: (event: ExecutionEvent) => boolean): Promise<number>;
  /** Waits until every approver's email was published; returns approver → ask id from its link. */
  links(): Promise<Map<string, string>>;
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
  /** Starts one request with `approverCount` link approvers and the given quorum (default: all). */
  start(approverCount: number, quorum?: number): RunningRequest;
  /** An HTTP request to the approval page (API Gateway stand-in → approval-page handler), timed by the client. */
  page(method: "GET" | "POST", askId: string, form?: string): Promise<PageAnswer>;
  /** Forgets the calls and invocations counted so far. */
  resetCounts(): void;
  stop(): Promise<void>;
}

type Handler = (event: never) => Promise<unknown>;

export async function startLocalWorkflow(): Promise<LocalWorkflow> {
  const calls = new CallLog();
  const registry = createTaskRegistry();
  const table: LocalTable = await startDynalite();
  const sns = await startFakeSns({
    topicArns: Array.from({ length: MAX_APPROVERS }, (_, index) => topicArn(index)),
    onPublish: ({ topicArn: arn, subject, message }) => calls.published.push({ topicArn: arn, subject, message }),
  });
  const sfn = await startFakeStepFunctions({ registry });
  // The handlers' clients read these when first created; set before any handler runs.
  const restoreEnv = setEnv({
    LOG_LEVEL: "silent",
    APPROVAL_PAGE_URL,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_SFN: sfn.endpoint,
  });

  const clients = await import("../lambdas/shared/clients");
  const handlers: Record<string, Handler> = {
    [FUNCTIONS.openRequest]: (await import("../lambdas/open-request")).handler as Handler,
    [FUNCTIONS.notifyApprover]: (await import("../lambdas/notify-approver")).handler as Handler,
    [FUNCTIONS.recordExpiry]: (await import("../lambdas/record-expiry")).handler as Handler,
    [FUNCTIONS.closeRequest]: (await import("../lambdas/close-request")).handler as Handler,
  };
  const approvalPage = (await import("../lambdas/approval-page")).handler;

  countDynamoDb(clients.documentClient(), calls);
  countTaskCallbacks(clients.sfnClient(), calls);

  let invocations: Invocation[] = [];
  const definitions = new Map<string, AslDefinition>();
  let serial = 0;

  let isolateInvocations = false;
  let turn: Promise<unknown> = Promise.resolve();

  /** Runs and times one handler invocation (in turn with the others when isolating). */
  function timed<T>(functionName: string, run: () => Promise<T>): Promise<T> {
    const invocation = async () => {
      const started = performance.now();
      try {
        return await run();
      } finally {
        invocations.push({ functionName, ms: performance.now() - started });
      }
    };
    if (!isolateInvocations) return invocation();
    const result = turn.then(invocation);
    turn = result.catch(() => undefined);
    return result;
  }

  function invoke(functionArnOrName: string, payload: unknown): Promise<unknown> {
    const handler = handlers[functionArnOrName];
    if (handler === undefined) return Promise.reject(new Error(`bench: no local handler for ${functionArnOrName}`));
    return timed(functionArnOrName.split(":").pop()!, () => handler(payload as never));
  }

  function definitionFor(approverCount: number, quorum: number): AslDefinition {
    const key = `${approverCount}/${quorum}`;
    let definition = definitions.get(key);
    if (definition === undefined) {
      definition = buildDefinition({
        approvers: Array.from({ length: approverCount }, (_, index) => ({
          name: approverName(index),
          channel: "link" as const,
          address: `${approverName(index)}@example.com`,
          topicArn: topicArn(index),
        })),
        quorum,
        timeoutSeconds: TIMEOUT_SECONDS,
        functions: FUNCTIONS,
      });
      definitions.set(key, definition);
    }
    return definition;
  }

  function start(approverCount: number, quorum = approverCount): RunningRequest {
    const subject = `Bench request ${++serial}`;
    const waiters: Array<{ match: (event: ExecutionEvent) => boolean; resolve: (at: number) => void }> = [];
    const execution = runLocally(
      definitionFor(approverCount, quorum),
      { subject, details: "Measured by npm run bench." },
      {
        invoke,
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
      nextEvent: (match) => new Promise((resolve) => waiters.push({ match, resolve })),
      linksSoFar,
      links: async () => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const links = linksSoFar();
          if (links.size >= approverCount) return links;
          if (Date.now() > deadline)
            throw new Error(`bench: only ${links.size} of ${approverCount} approval emails for "${subject}"`);
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      },
    };
  }

  const gateway = createServer((req, res) => {
    void serveThroughGateway(req, res, identity, (event: APIGatewayProxyEventV2) =>
      timed("approval-page", () => approvalPage(event)),
    );
  });
  const port = await listenOnLoopback(gateway);
  const identity: GatewayIdentity = { apiId: "bench", accountId: ACCOUNT, domainName: `127.0.0.1:${port}` };

  async function page(method: "GET" | "POST", askId: string, form?: string): Promise<PageAnswer> {
    const started = performance.now();
    const response = await fetch(`${loopbackUrl(port)}/r/${askId}`, {
      method,
      headers: form === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    const body = await response.text();
    return { statusCode: response.status, body, ms: performance.now() - started };
  }

  return {
    calls,
    get invocations() {
      return invocations;
    },
    get isolateInvocations() {
      return isolateInvocations;
    },
    set isolateInvocations(on: boolean) {
      isolateInvocations = on;
    },
    start,
    page,
    resetCounts: () => {
      calls.reset();
      invocations = [];
    },
    stop: async () => {
      for (const client of [clients.documentClient(), clients.snsClient(), clients.sfnClient()]) client.destroy();
      await closeServer(gateway);
      await Promise.all([sns.stop(), sfn.stop()]);
      await table.stop();
      restoreEnv();
    },
  };
}

/** approver → ask id, read from the approval emails as an approver would (the link's last segment). */
function linksOf(messages: string[]): Map<string, string> {
  const links = new Map<string, string>();
  for (const message of messages) {
    const approver = /as approver "([^"]+)"/.exec(message)?.[1];
    const askId = new RegExp(`${escapeRegExp(APPROVAL_PAGE_URL)}r/([A-Za-z0-9_-]+)`).exec(message)?.[1];
    if (approver === undefined || askId === undefined)
      throw new Error(`bench: no approver or link in email:\n${message}`);
    links.set(approver, askId);
  }
  return links;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
