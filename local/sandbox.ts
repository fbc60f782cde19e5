/**
 * The local sandbox: one whole approval round on this machine, no AWS account.
 *
 * It runs the program's own state-machine definition (components/definition.ts) with the local
 * runner, and every Lambda task with the real handler module (each in its own worker, with the
 * environment it has when deployed). The handlers reach, through `AWS_ENDPOINT_URL_<SERVICE>`
 * and dummy credentials, local stand-ins on 127.0.0.1 only: dynalite as the request store, a
 * local SNS (its outbox replaces email) and a local Step Functions endpoint that settles the
 * runner's waiting tasks. The approval page is served through a local API Gateway stand-in on
 * `port`. Nothing in lambdas/ knows it runs locally.
 *
 * `startSandbox()` is used by the CLI (local/main.ts) and by the tests; it reports what happens
 * through `onEvent` and the handle's fields, and `stop()` ends everything it started.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { resolve } from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { buildDefinition, type DefinitionApprover } from "../components/definition";
import type { WorkflowSettings } from "../components/config";
import { requestKey, type Channel, type ExecutionInput, type ExecutionOutput, type RequestRecord, type Vote } from "../lambdas/shared/model";
import { startFakeSns, type FakeSns, type PublishedMessage } from "./fake-sns";
import { startFakeStepFunctions, type FakeStepFunctions } from "./fake-stepfunctions";
import { serveThroughGateway, type GatewayIdentity } from "./http-gateway";
import { startLocalFunctions, type FunctionLogLine, type LocalFunctions, type LocalFunctionSpec } from "./local-functions";
import { closeServer, listenOnLoopback, loopbackUrl } from "./loopback";
import { startRequestTable, type RequestTable } from "./request-table";
import { createTaskRegistry, runLocally, type LocalExecution, type LocalExecutionStatus } from "./state-machine-runner";

export const LOCAL_ACCOUNT = "000000000000";
const LOCAL_CREDENTIALS = { accessKeyId: "sandbox", secretAccessKey: "sandbox" };
const RESOURCE_PREFIX = "approval";
const RECORD_RETENTION_DAYS = "30";
const PROJECT_ROOT = resolve(__dirname, "..");

export interface SandboxOptions {
  settings: WorkflowSettings;
  /** The execution input, as a caller would pass it to StartExecution. */
  request: ExecutionInput;
  /** Port of the approval page on 127.0.0.1; 0 (default) takes any free port. */
  port?: number;
  region?: string;
  /** Each approver's time to decide, instead of the config's. */
  timeoutSeconds?: number;
  /** Everything the sandbox reports, as it happens. */
  onEvent?: (event: SandboxEvent) => void;
}

/** An approver was asked: for a link approver, the page link and the email SNS would deliver. */
export interface ApproverAsked {
  approver: string;
  channel: Channel;
  /** Email address (link) or IAM principal (iam). */
  address: string;
  /** The page to open: the approval page (link), or the local console page (iam). */
  link: string;
  email?: PublishedMessage;
}

export interface DecisionArrived {
  approver: string;
  vote: Vote;
}

export interface SandboxResult {
  status: LocalExecutionStatus;
  /** The execution output (SUCCEEDED). */
  output?: ExecutionOutput;
  error?: string;
  cause?: string;
}

export type SandboxEvent =
  | ({ type: "asked" } & ApproverAsked)
  | ({ type: "decision" } & DecisionArrived)
  | { type: "closed"; result: SandboxResult }
  | { type: "warning"; message: string }
  | ({ type: "log" } & FunctionLogLine);

export interface Sandbox {
  /** Base URL of the approval page, with a trailing slash (like the deployed endpoint's URL). */
  pageUrl: string;
  port: number;
  executionArn: string;
  /** Every message published to an approver's topic. */
  outbox: readonly PublishedMessage[];
  /** Every approver asked so far, in the order they were asked. */
  asked: readonly ApproverAsked[];
  /** Every decision recorded so far, in the order it arrived. */
  decisions: readonly DecisionArrived[];
  /** Resolves once every approver has been asked (or the execution ended first), in config order. */
  allAsked: Promise<readonly ApproverAsked[]>;
  /** Resolves when the execution ends; never rejects. */
  result: Promise<SandboxResult>;
  /** The request record as stored now (undefined before it is opened). */
  readRequest(): Promise<RequestRecord | undefined>;
  /** Stops the execution if it still runs, and every server and worker. Safe to call twice. */
  stop(): Promise<void>;
}

interface SandboxFunction {
  key: "openRequest" | "notifyApprover" | "recordExpiry" | "closeRequest" | "approvalPage";
  folder: string;
  extraEnvironment?: (ctx: { pageUrl: string }) => Record<string, string>;
}

/** The workflow's functions and the handler folder each runs (components/approval-workflow.ts). */
const FUNCTIONS: SandboxFunction[] = [
  { key: "openRequest", folder: "open-request" },
  { key: "notifyApprover", folder: "notify-approver", extraEnvironment: ({ pageUrl }) => ({ APPROVAL_PAGE_URL: pageUrl }) },
  { key: "recordExpiry", folder: "record-expiry" },
  { key: "closeRequest", folder: "close-request" },
  { key: "approvalPage", folder: "approval-page" },
];

/** Environment every local function gets: what Lambda sets, plus the local endpoints. */
function baseEnvironment(region: string, endpoints: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // Never read the user's ~/.aws files or the instance metadata service: only the above counts.
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
    AWS_LAMBDA_LOG_FORMAT: "JSON",
    // The deployed runtime is nodejs24.x: the SDK's notice about an older local Node is noise here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...endpoints,
  };
  if (process.env.PATH) env.PATH = process.env.PATH;
  if (process.env.LOG_LEVEL) env.LOG_LEVEL = process.env.LOG_LEVEL;
  return env;
}

/** Stops things in reverse order of starting, each at most once. */
class Teardown {
  private readonly steps: (() => Promise<void> | void)[] = [];
  private done?: Promise<void>;

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    this.done ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch {
          // Keep stopping the rest: one failed close must not leave other servers open.
        }
      }
    })();
    return this.done;
  }
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const { settings } = options;
  const region = options.region ?? "eu-west-1";
  const emit = (event: SandboxEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's bug must not break the round.
    }
  };
  const teardown = new Teardown();
  const iamApprovers = settings.approvers.filter((a) => a.channel === "iam").map((a) => a.name);
  if (iamApprovers.length > 0) {
    throw new Error(`the sandbox cannot play the SSM console yet, and ${iamApprovers.join(", ")} decide(s) through it (iamPrincipal)`);
  }

  // The approval page's port first: if it is taken, fail before starting anything else.
  let servePage: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => {
    res.writeHead(503, { "content-type": "text/plain" }).end("The sandbox is starting.");
  };
  const pageServer: Server = createServer((req, res) => {
    servePage(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const port = await listenOnLoopback(pageServer, options.port ?? 0);
  teardown.add(() => closeServer(pageServer));
  const pageUrl = `${loopbackUrl(port)}/`;

  try {
    return await startRound();
  } catch (error) {
    await teardown.run();
    throw error;
  }

  async function startRound(): Promise<Sandbox> {
    const table: RequestTable = await startRequestTable({ tableName: `${RESOURCE_PREFIX}-requests-local`, region, credentials: LOCAL_CREDENTIALS });
    teardown.add(() => table.stop());

    const topicArnOf = (approver: string) => `arn:aws:sns:${region}:${LOCAL_ACCOUNT}:Automation-${approver}-local`;
    const approverOfTopic = new Map(settings.approvers.map((a) => [topicArnOf(a.name), a]));

    const registry = createTaskRegistry();
    let requestId: string | undefined;
    const asked: ApproverAsked[] = [];
    const decisions: DecisionArrived[] = [];
    let settleAllAsked!: (value: readonly ApproverAsked[]) => void;
    const allAsked = new Promise<readonly ApproverAsked[]>((resolve) => (settleAllAsked = resolve));

    async function readRequest(): Promise<RequestRecord | undefined> {
      if (requestId === undefined) return undefined;
      const out = await table.documents.send(new GetCommand({ TableName: table.tableName, Key: { pk: requestKey(requestId) }, ConsistentRead: true }));
      return out.Item as RequestRecord | undefined;
    }

    // Decisions are read back from the record after anything that may have recorded one, one
    // read at a time, so each is reported once and in the order the store took them.
    let refreshing = Promise.resolve();
    const refreshDecisions = () => {
      refreshing = refreshing.then(async () => {
        const record = await readRequest().catch(() => undefined);
        if (!record) return;
        const fresh = Object.entries(record.votes ?? {})
          .filter(([approver]) => !decisions.some((d) => d.approver === approver))
          .sort(([, a], [, b]) => a.decidedAt.localeCompare(b.decidedAt));
        for (const [approver, vote] of fresh) {
          const decision = { approver, vote };
          decisions.push(decision);
          emit({ type: "decision", ...decision });
        }
      });
      return refreshing;
    };

    const configOrder = (list: readonly ApproverAsked[]) =>
      settings.approvers.flatMap((a) => list.filter((entry) => entry.approver === a.name));
    const markAsked = (entry: ApproverAsked) => {
      asked.push(entry);
      emit({ type: "asked", ...entry });
      if (asked.length === settings.approvers.length) settleAllAsked(configOrder(asked));
    };

    const sns: FakeSns = await startFakeSns({
      topicArns: [...approverOfTopic.keys()],
      onPublish: (message) => {
        const approver = approverOfTopic.get(message.topicArn)!;
        if (approver.channel !== "link") return;
        void readRequest().then((record) => {
          const askId = record?.asks?.[approver.name]?.askId;
          if (askId === undefined) {
            emit({ type: "warning", message: `${approver.name} was emailed but no ask is stored for them` });
            return;
          }
          const link = `${pageUrl}r/${askId}`;
          if (!message.message.includes(link)) emit({ type: "warning", message: `the email to ${approver.name} does not contain the link ${link}` });
          markAsked({ approver: approver.name, channel: "link", address: approver.email, link, email: message });
        });
      },
    });
    teardown.add(() => sns.stop());

    const sfn: FakeStepFunctions = await startFakeStepFunctions({ registry, onCallback: () => void refreshDecisions() });
    teardown.add(() => sfn.stop());

    const endpoints = {
      AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      AWS_ENDPOINT_URL_SFN: sfn.endpoint,
    };
    const arnOf = (key: SandboxFunction["key"]) => {
      const folder = FUNCTIONS.find((f) => f.key === key)!.folder;
      return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${RESOURCE_PREFIX}-${folder}`;
    };
    const specs: LocalFunctionSpec[] = FUNCTIONS.map((fn) => {
      const name = `${RESOURCE_PREFIX}-${fn.folder}`;
      return {
        name,
        arn: arnOf(fn.key),
        handlerModule: resolve(PROJECT_ROOT, "lambdas", fn.folder, "index.ts"),
        environment: {
          ...baseEnvironment(region, endpoints),
          AWS_LAMBDA_FUNCTION_NAME: name,
          TABLE_NAME: table.tableName,
          RECORD_RETENTION_DAYS,
          ...(fn.extraEnvironment?.({ pageUrl }) ?? {}),
        },
      };
    });
    const functions: LocalFunctions = await startLocalFunctions(specs, { onLog: (line) => emit({ type: "log", ...line }) });
    teardown.add(() => functions.stop());

    const identity: GatewayIdentity = { apiId: "local", accountId: LOCAL_ACCOUNT, domainName: `127.0.0.1:${port}` };
    servePage = async (req, res) => {
      await serveThroughGateway(req, res, identity, (event) => functions.invoke(arnOf("approvalPage"), event));
      if (req.method === "POST") await refreshDecisions();
    };

    const definitionApprovers: DefinitionApprover[] = settings.approvers.map((approver) => ({
      name: approver.name,
      channel: approver.channel,
      address: approver.iamPrincipal ?? approver.email,
      topicArn: topicArnOf(approver.name),
    }));
    const definition = buildDefinition({
      approvers: definitionApprovers,
      quorum: settings.quorum,
      timeoutSeconds: options.timeoutSeconds ?? settings.approvalTimeoutSeconds,
      functions: {
        openRequest: arnOf("openRequest"),
        notifyApprover: arnOf("notifyApprover"),
        recordExpiry: arnOf("recordExpiry"),
        closeRequest: arnOf("closeRequest"),
      },
    });

    const executionArn = `arn:aws:states:${region}:${LOCAL_ACCOUNT}:execution:${RESOURCE_PREFIX}-workflow-local:${randomUUID()}`;
    const openRequestArn = arnOf("openRequest");
    const execution: LocalExecution = runLocally(definition, options.request, {
      registry,
      executionArn,
      invoke: async (functionArn, payload) => {
        const result = await functions.invoke(functionArn, payload);
        if (functionArn === openRequestArn) requestId = (result as { requestId: string }).requestId;
        else await refreshDecisions();
        return result;
      },
    });
    let running = true;
    teardown.add(() => {
      if (running) execution.abort();
    });

    const result = execution.result.then(
      async (outcome): Promise<SandboxResult> => {
        running = false;
        await refreshDecisions();
        const done: SandboxResult = { status: outcome.status };
        if (outcome.output !== undefined) done.output = outcome.output as ExecutionOutput;
        if (outcome.error !== undefined) done.error = outcome.error;
        if (outcome.cause !== undefined) done.cause = outcome.cause;
        settleAllAsked(configOrder(asked));
        emit({ type: "closed", result: done });
        return done;
      },
      (error: unknown): SandboxResult => {
        running = false;
        settleAllAsked(configOrder(asked));
        const done: SandboxResult = { status: "FAILED", error: "Sandbox.RunnerError", cause: error instanceof Error ? error.message : String(error) };
        emit({ type: "closed", result: done });
        return done;
      },
    );

    return {
      pageUrl,
      port,
      executionArn,
      outbox: sns.outbox,
      asked,
      decisions,
      allAsked,
      result,
      readRequest,
      stop: async () => {
        await teardown.run();
        await result;
      },
    };
  }
}
