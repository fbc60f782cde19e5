/**
 * The local sandbox: one whole approval round on this machine, no AWS account.
 *
 * It runs the program's own state-machine definition (components/definition.ts) with the local
 * runner, and every Lambda task with the real handler module (each in its own worker, with the
 * environment it has when deployed). The handlers reach, through `AWS_ENDPOINT_URL_<SERVICE>`
 * and dummy credentials, local stand-ins on 127.0.0.1 only: dynalite as the request store, a
 * local SNS (its outbox replaces email), a local Step Functions endpoint that settles the
 * runner's waiting tasks and, for iam approvers, a local SSM Automation whose step events go to
 * ssm-result as EventBridge would send them. The approval page is served through a local API
 * Gateway stand-in on `port`, beside a stand-in of the console's Approve/Deny page
 * (`/console/<automation id>`). Nothing in lambdas/ knows it runs locally.
 *
 * `startSandbox()` is used by the CLI (local/main.ts) and by the tests; it reports what happens
 * through `onEvent` and the handle's fields, and `stop()` ends everything it started.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { resolve } from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { buildDefinition, type DefinitionApprover, type DefinitionFunctions } from "../components/definition";
import {
  IAM_CHANNEL_MAX_TIMEOUT_SECONDS,
  MIN_APPROVAL_TIMEOUT_SECONDS,
  type WorkflowSettings,
} from "../components/config";
import { approvalDocumentContent, documentNameFor } from "../components/ssm-approval-document";
import {
  requestKey,
  type Channel,
  type ExecutionInput,
  type ExecutionOutput,
  type RequestRecord,
  type Vote,
} from "../lambdas/shared/model";
import { startFakeSns, type FakeSns, type PublishedMessage } from "./fake-sns";
import { startFakeStepFunctions, type FakeStepFunctions } from "./fake-stepfunctions";
import { approvalNotice, startFakeSsm, type DocumentParameter, type FakeSsm } from "./fake-ssm";
import { CONSOLE_PATH, serveConsole } from "./console-page";
import { serveThroughGateway, type GatewayIdentity } from "./http-gateway";
import {
  startLocalFunctions,
  type FunctionLogLine,
  type LocalFunctions,
  type LocalFunctionSpec,
} from "./local-functions";
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
  /** Names the local SSM document as the stack would (default "local"). */
  stack?: string;
  /** Everything the sandbox reports, as it happens. */
  onEvent?: (event: SandboxEvent) => void;
}

/** An approver was asked: for a link approver, the page link and the email SNS would deliver. */
export interface ApproverAsked {
  approver: string;
  channel: Channel;
  /** Email address (link) or IAM principal (iam). */
  address: string;
  /** Where the approver's topic delivers, for either channel: their email address. */
  recipient: string;
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
  /** Each approver's time to decide, in seconds, as the round uses it. */
  timeoutSeconds: number;
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
  key: "openRequest" | "notifyApprover" | "recordExpiry" | "closeRequest" | "approvalPage" | "ssmStart" | "ssmResult";
  folder: string;
  /** Only deployed with iam approvers (components/ssm-approval-channel.ts). */
  iamChannel?: true;
  /** The deployed function timeout, when not the default. */
  timeoutSeconds?: number;
  extraEnvironment?: (ctx: FunctionContext) => Record<string, string>;
}

interface FunctionContext {
  pageUrl: string;
  documentName: string;
  automationRoleArn: string;
}

/**
 * The workflow's functions, the handler folder each runs and the environment each is deployed
 * with (components/approval-workflow.ts, components/ssm-approval-channel.ts).
 */
const FUNCTIONS: SandboxFunction[] = [
  { key: "openRequest", folder: "open-request" },
  {
    key: "notifyApprover",
    folder: "notify-approver",
    extraEnvironment: ({ pageUrl }) => ({ APPROVAL_PAGE_URL: pageUrl }),
  },
  { key: "recordExpiry", folder: "record-expiry" },
  { key: "closeRequest", folder: "close-request" },
  { key: "approvalPage", folder: "approval-page" },
  {
    key: "ssmStart",
    folder: "ssm-start",
    iamChannel: true,
    extraEnvironment: ({ documentName, automationRoleArn }) => ({
      AUTOMATION_DOCUMENT_NAME: documentName,
      AUTOMATION_ROLE_ARN: automationRoleArn,
    }),
  },
  {
    key: "ssmResult",
    folder: "ssm-result",
    iamChannel: true,
    timeoutSeconds: 30,
    extraEnvironment: ({ documentName }) => ({ AUTOMATION_DOCUMENT_NAME: documentName }),
  },
];

/**
 * The longest wait the local runner can time: aws-local-stepfunctions arms one Node timer per
 * waiting task, and Node fires any timer over 2^31-1 ms (about 24.8 days) at once.
 */
export const MAX_LOCAL_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** EventBridge's retries of a failed target invocation, shortened for a local round. */
const EVENT_DELIVERY_DELAYS_MS = [200, 1000, 3000];

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
  const requestedTimeout = options.timeoutSeconds ?? settings.approvalTimeoutSeconds;
  const timeoutSeconds = Math.min(requestedTimeout, MAX_LOCAL_TIMEOUT_SECONDS);
  if (timeoutSeconds < requestedTimeout) {
    emit({
      type: "warning",
      message: `the local runner waits at most ${MAX_LOCAL_TIMEOUT_SECONDS} s (about 24.8 days) per approver; this round uses that instead of ${requestedTimeout} s`,
    });
  }
  const hasIamApprovers = settings.approvers.some((a) => a.channel === "iam");

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
    const table: RequestTable = await startRequestTable({
      tableName: `${RESOURCE_PREFIX}-requests-local`,
      region,
      credentials: LOCAL_CREDENTIALS,
    });
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
      const out = await table.documents.send(
        new GetCommand({ TableName: table.tableName, Key: { pk: requestKey(requestId) }, ConsistentRead: true }),
      );
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
        // iam approvers' notices come from the local SSM, which reports them itself.
        if (approver.channel !== "link") return;
        void readRequest().then((record) => {
          const askId = record?.asks?.[approver.name]?.askId;
          if (askId === undefined) {
            emit({ type: "warning", message: `${approver.name} was emailed but no ask is stored for them` });
            return;
          }
          const link = `${pageUrl}r/${askId}`;
          if (!message.message.includes(link))
            emit({ type: "warning", message: `the email to ${approver.name} does not contain the link ${link}` });
          markAsked({
            approver: approver.name,
            channel: "link",
            address: approver.email,
            recipient: approver.email,
            link,
            email: message,
          });
        });
      },
    });
    teardown.add(() => sns.stop());

    const sfn: FakeStepFunctions = await startFakeStepFunctions({
      registry,
      onCallback: () => void refreshDecisions(),
    });
    teardown.add(() => sfn.stop());

    // ---- iam channel: SSM Automation, its console and its EventBridge rule, locally ----
    const documentName = documentNameFor("parallel-approval", options.stack ?? "local", `${RESOURCE_PREFIX}-ssm`);
    const automationRoleArn = `arn:aws:iam::${LOCAL_ACCOUNT}:role/${RESOURCE_PREFIX}-ssm-automation-local`;
    const documentTimeout = Math.min(
      Math.max(timeoutSeconds, MIN_APPROVAL_TIMEOUT_SECONDS),
      IAM_CHANNEL_MAX_TIMEOUT_SECONDS,
    );
    const stepDeliveries = new Map<string, Promise<void>>();
    /**
     * An iam approver counts as asked once SSM has sent the notice and ssm-start has returned
     * (the automation is then recorded on the request too), whichever comes first.
     */
    const iamAsks = new Map<string, { entry?: ApproverAsked; started: boolean }>();
    const iamAskParts = (automationId: string) => {
      const parts = iamAsks.get(automationId) ?? { started: false };
      iamAsks.set(automationId, parts);
      const complete = () => {
        if (parts.entry && parts.started) markAsked(parts.entry);
      };
      return {
        notice: (entry: ApproverAsked) => ((parts.entry = entry), complete()),
        started: () => ((parts.started = true), complete()),
      };
    };
    let functions: LocalFunctions | undefined;
    let stopping = false;
    const sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
    teardown.add(() => {
      stopping = true;
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.wake();
      }
    });
    const sleep = (ms: number) =>
      new Promise<void>((wake) => {
        const sleeper = { timer: setTimeout(() => (sleepers.delete(sleeper), wake()), ms), wake };
        sleepers.add(sleeper);
      });

    /** EventBridge's rule target: ssm-result, retried on failure like the deployed rule's retry policy. */
    const deliverStepEvent = async (event: object): Promise<void> => {
      for (let attempt = 0; !stopping; attempt++) {
        try {
          await functions!.invoke(arnOf("ssmResult"), event);
          await refreshDecisions();
          return;
        } catch (error) {
          if (stopping) return;
          if (attempt >= EVENT_DELIVERY_DELAYS_MS.length) {
            emit({
              type: "warning",
              message: `ssm-result failed on every attempt; the event went to the dead-letter queue: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
            });
            return;
          }
          await sleep(EVENT_DELIVERY_DELAYS_MS[attempt]);
        }
      }
    };

    const ssm: FakeSsm = await startFakeSsm({
      region,
      account: LOCAL_ACCOUNT,
      documentName,
      documentParameters: approvalDocumentContent(documentTimeout).parameters as Record<string, DocumentParameter>,
      stepTimeoutSeconds: timeoutSeconds,
      notify: (automation) => {
        const principal = automation.parameters.Approvers?.[0] ?? "";
        const topicArn = automation.parameters.NotificationArn?.[0] ?? "";
        const approver = approverOfTopic.get(topicArn);
        const link = `${pageUrl}${CONSOLE_PATH.slice(1)}${automation.id}`;
        const notice = approvalNotice(automation, link);
        const email = sns.publishFromService(topicArn, notice.subject, notice.message);
        if (approver)
          iamAskParts(automation.id).notice({
            approver: approver.name,
            channel: "iam",
            address: principal,
            recipient: approver.email,
            link,
            email,
          });
      },
      onStepEnded: (event, automation) => {
        if (!hasIamApprovers) return;
        stepDeliveries.set(automation.id, deliverStepEvent(event));
      },
    });
    teardown.add(() => ssm.stop());

    const endpoints = {
      AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      AWS_ENDPOINT_URL_SFN: sfn.endpoint,
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    };
    const arnOf = (key: SandboxFunction["key"]) => {
      const folder = FUNCTIONS.find((f) => f.key === key)!.folder;
      return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${RESOURCE_PREFIX}-${folder}`;
    };
    const specs: LocalFunctionSpec[] = FUNCTIONS.filter((fn) => hasIamApprovers || !fn.iamChannel).map((fn) => {
      const name = `${RESOURCE_PREFIX}-${fn.folder}`;
      return {
        name,
        arn: arnOf(fn.key),
        handlerModule: resolve(PROJECT_ROOT, "lambdas", fn.folder, "index.ts"),
        timeoutSeconds: fn.timeoutSeconds,
        environment: {
          ...baseEnvironment(region, endpoints),
          AWS_LAMBDA_FUNCTION_NAME: name,
          TABLE_NAME: table.tableName,
          RECORD_RETENTION_DAYS,
          ...(fn.extraEnvironment?.({ pageUrl, documentName, automationRoleArn }) ?? {}),
        },
      };
    });
    const started: LocalFunctions = await startLocalFunctions(specs, {
      onLog: (line) => emit({ type: "log", ...line }),
    });
    functions = started;
    teardown.add(() => started.stop());

    const identity: GatewayIdentity = { apiId: "local", accountId: LOCAL_ACCOUNT, domainName: `127.0.0.1:${port}` };
    servePage = async (req, res) => {
      if ((req.url ?? "").startsWith(CONSOLE_PATH)) {
        await serveConsole(req, res, {
          automation: (id) => ssm.automation(id),
          decide: async (id, decision, comment) => {
            const automation = ssm.automation(id)!;
            ssm.signal(
              id,
              decision === "approve" ? "Approve" : "Reject",
              automation.parameters.Approvers?.[0] ?? "",
              comment,
            );
            // The console answers once the decision has gone the whole way, so the page and
            // the printed decisions agree.
            await stepDeliveries.get(id);
          },
        });
        return;
      }
      await serveThroughGateway(req, res, identity, (event) => started.invoke(arnOf("approvalPage"), event));
      if (req.method === "POST") await refreshDecisions();
    };

    const definitionApprovers: DefinitionApprover[] = settings.approvers.map((approver) => ({
      name: approver.name,
      channel: approver.channel,
      address: approver.iamPrincipal ?? approver.email,
      topicArn: topicArnOf(approver.name),
    }));
    const definitionFunctions: DefinitionFunctions = {
      openRequest: arnOf("openRequest"),
      notifyApprover: arnOf("notifyApprover"),
      recordExpiry: arnOf("recordExpiry"),
      closeRequest: arnOf("closeRequest"),
    };
    if (hasIamApprovers) definitionFunctions.ssmStart = arnOf("ssmStart");
    const definition = buildDefinition({
      approvers: definitionApprovers,
      quorum: settings.quorum,
      timeoutSeconds,
      functions: definitionFunctions,
    });

    const executionArn = `arn:aws:states:${region}:${LOCAL_ACCOUNT}:execution:${RESOURCE_PREFIX}-workflow-local:${randomUUID()}`;
    const openRequestArn = arnOf("openRequest");
    const ssmStartArn = arnOf("ssmStart");
    const execution: LocalExecution = runLocally(definition, options.request, {
      registry,
      executionArn,
      invoke: async (functionArn, payload) => {
        const result = await started.invoke(functionArn, payload);
        if (functionArn === openRequestArn) requestId = (result as { requestId: string }).requestId;
        else await refreshDecisions();
        const automationId =
          functionArn === ssmStartArn
            ? (result as { automationExecutionId?: string }).automationExecutionId
            : undefined;
        if (automationId !== undefined) iamAskParts(automationId).started();
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
        const done: SandboxResult = {
          status: "FAILED",
          error: "Sandbox.RunnerError",
          cause: error instanceof Error ? error.message : String(error),
        };
        emit({ type: "closed", result: done });
        return done;
      },
    );

    return {
      pageUrl,
      port,
      executionArn,
      timeoutSeconds,
      outbox: sns.outbox,
      asked,
      decisions,
      allAsked,
      result,
      readRequest,
      stop: async () => {
        stopping = true;
        await teardown.run();
        await result;
      },
    };
  }
}
