/**
 * The approval workflow run locally with its real parts: the definition from core/definition.ts
 * executed by the local runner, every Task served by the real handler (open-request,
 * notify-approver, record-expiry, close-request) against the request store the test gives (dynalite),
 * and decisions made through the real approval page handler, whose Step Functions callbacks reach
 * the runner's task-token registry through the real callbacks adapter. Only the edges are local:
 * emails are kept instead of published, and which approvers can receive email is a set the test
 * controls.
 *
 * (This helper replaced the in-memory fake Lambdas the definition tests used before the redesign.)
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { SendTaskFailureCommand, SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { linkChannel } from "../../channels/link/spec";
import { buildDefinition, type DefinitionApprover, type DefinitionStage } from "../../core/definition";
import type { AslDefinition } from "../../core/asl";
import type { RequestStore } from "../../core/ports";
import type { AskEvent } from "../../core/payloads";
import { askIdOfPath } from "../../core/routes";
import { createHandler, type ApprovalPageDeps } from "../../lambdas/approval-page/index";
import { sfnTaskCallbacks, type TaskCallbackClient } from "../../lambdas/adapters/callbacks";
import { handleClose } from "../../lambdas/close-request/index";
import type { ApprovalEmail } from "../../lambdas/notify-approver/message";
import { notifyApprover } from "../../lambdas/notify-approver/index";
import { openRequest } from "../../lambdas/open-request/index";
import { recordExpiry } from "../../lambdas/record-expiry/index";
import { followUp } from "../../lambdas/record-expiry/follow-up";
import {
  createTaskRegistry,
  runLocally,
  type LocalExecution,
  type LocalInvoke,
  type TaskTokenRegistry,
} from "../../local/state-machine-runner";
import { decisionForm, getPage, postPage } from "./page-events";

export const PAGE_URL = "https://pages.example.com/";
const RETENTION_DAYS = 30;

export const functionArn = (key: string) => `arn:aws:lambda:eu-west-1:123456789012:function:approval-${key}`;
export const topicArnOf = (approver: string) => `arn:aws:sns:eu-west-1:123456789012:approval-${approver}`;

/** The functions the link channel's workflow invokes, by topology key. */
export const FUNCTION_KEYS = ["open-request", "notify-approver", "record-expiry", "close-request"] as const;
export type FunctionKey = (typeof FUNCTION_KEYS)[number];
export const FUNCTION_ARNS: Record<string, string> = Object.fromEntries(FUNCTION_KEYS.map((k) => [k, functionArn(k)]));

/** A link approver as the definition builder takes it. */
export function linkApprover(name: string): DefinitionApprover {
  return {
    name,
    channel: "link",
    mode: "vote",
    address: `${name}@example.com`,
    email: `${name}@example.com`,
    topicArn: topicArnOf(name),
    options: {},
  };
}

/** A stage of link approvers, every one of them needed unless `quorum` says otherwise. */
export function linkStage(name: string, approvers: string[], quorum = approvers.length, timeoutSeconds = 3600) {
  return { name, quorum, timeoutSeconds, approvers: approvers.map(linkApprover) } satisfies DefinitionStage;
}

export function workflowDefinition(stages: DefinitionStage[]): AslDefinition {
  return buildDefinition({ stages, functions: FUNCTION_ARNS, branches: { link: linkChannel.branch } });
}

export interface Invocation {
  key: FunctionKey;
  payload: any;
  result?: unknown;
  error?: string;
}

export interface SentEmail extends ApprovalEmail {
  topicArn: string;
  approver: string;
  /** 0-based stage index the link is for. */
  stage: number;
  askId: string;
  /** Who the email went to: the approver, or their backup (core/reminders.ts). */
  recipient: string;
}

/**
 * The Step Functions callback API, answered by the runner's registry (TaskTimedOut for a task that
 * no longer waits). While `outage.calls` is above zero, calls fail as an unreachable service would.
 */
function registryClient(registry: TaskTokenRegistry, outage: { calls: number }): TaskCallbackClient {
  return {
    async send(command) {
      if (outage.calls > 0) {
        outage.calls--;
        throw namedError("ServiceUnavailable", "Step Functions is unavailable (local outage)");
      }
      if (command instanceof SendTaskSuccessCommand) {
        registry.sendTaskSuccess(command.input.taskToken!, JSON.parse(command.input.output ?? "null"));
      } else if (command instanceof SendTaskFailureCommand) {
        registry.sendTaskFailure(command.input.taskToken!, command.input.error, command.input.cause);
      }
      return {};
    },
  };
}

export class LocalApprovalWorkflow {
  readonly registry = createTaskRegistry();
  readonly invocations: Invocation[] = [];
  readonly emails: SentEmail[] = [];
  /** Approvers whose topic has no confirmed email subscription. */
  readonly unreachable = new Set<string>();
  private readonly injected = new Map<FunctionKey, string[]>();
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  /** How many of the next Step Functions callbacks fail (the vote is kept as a pending signal). */
  readonly callbackOutage = { calls: 0 };
  readonly page: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

  constructor(
    readonly store: RequestStore,
    options: { signIn?: ApprovalPageDeps["signIn"] } = {},
  ) {
    this.page = createHandler({
      store,
      callbacks: sfnTaskCallbacks(registryClient(this.registry, this.callbackOutage)),
      ...(options.signIn === undefined ? {} : { signIn: options.signIn }),
    });
  }

  /** Starts an execution of the definition for these stages. */
  start(stages: DefinitionStage[], input: unknown = { subject: "Deploy v2", details: "to prod" }): LocalExecution {
    return runLocally(workflowDefinition(stages), input, {
      invoke: this.invoke,
      registry: this.registry,
      retryDelayMs: 0,
    });
  }

  /** Makes the next invocation of `key` throw an error named `errorName` (before the handler runs). */
  failNext(key: FunctionKey, errorName: string): void {
    this.injected.set(key, [...(this.injected.get(key) ?? []), errorName]);
  }

  invocationsOf(key: FunctionKey): Invocation[] {
    return this.invocations.filter((invocation) => invocation.key === key);
  }

  /** Resolves once `count` approval emails were sent in all. */
  untilEmailed(count: number): Promise<void> {
    if (this.emails.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** The link (ask id) emailed to an approver for a stage. */
  linkOf(approver: string, stage: number, recipient = approver): string {
    const email = this.emails
      .filter((e) => e.approver === approver && e.stage === stage && e.recipient === recipient)
      .pop();
    if (email === undefined) throw new Error(`${approver} was never emailed for stage ${stage + 1}`);
    return email.askId;
  }

  /** An approver decides on the approval page of their link for that stage. */
  decide(
    approver: string,
    stage: number,
    decision: "approve" | "reject",
    comment?: string,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    return this.page(postPage(this.linkOf(approver, stage), decisionForm(decision, comment)));
  }

  /** The approval page as a GET of that link shows it. */
  view(approver: string, stage: number): Promise<APIGatewayProxyStructuredResultV2> {
    return this.page(getPage(this.linkOf(approver, stage)));
  }

  /** The `invoke` the runner calls for every Lambda task. */
  readonly invoke: LocalInvoke = async (functionName, payload) => {
    const key = FUNCTION_KEYS.find((k) => FUNCTION_ARNS[k] === functionName);
    if (key === undefined) throw new Error(`no local function for ${functionName}`);
    const invocation: Invocation = { key, payload };
    this.invocations.push(invocation);
    try {
      const injected = this.injected.get(key)?.shift();
      if (injected !== undefined) throw namedError(injected, `injected ${injected}`);
      invocation.result = await this.handle(key, payload);
      return invocation.result;
    } catch (error) {
      invocation.error = (error as Error).name;
      throw error;
    }
  };

  private handle(key: FunctionKey, payload: any): Promise<unknown> {
    switch (key) {
      case "open-request":
        return openRequest(this.store, payload, RETENTION_DAYS);
      case "notify-approver":
        return notifyApprover(
          {
            store: this.store,
            approvalPageUrl: PAGE_URL,
            isReachable: async (topicArn) => ![...this.unreachable].some((name) => topicArnOf(name) === topicArn),
            publish: async (topicArn, email) => this.sent(payload as AskEvent, topicArn, email),
          },
          payload,
        );
      case "record-expiry":
        return payload.kind === "followUp"
          ? followUp({ store: this.store }, payload)
          : recordExpiry({ store: this.store }, payload);
      case "close-request":
        return handleClose({ store: this.store, releases: {} }, payload);
    }
  }

  private sent(event: AskEvent, topicArn: string, email: ApprovalEmail): void {
    const link = email.body.split("\n").find((line) => line.startsWith(`${PAGE_URL}r/`));
    const askId = link === undefined ? undefined : askIdOfPath(link.slice(PAGE_URL.length - 1));
    if (askId === undefined) throw new Error(`the email to ${event.approver.name} holds no approval link`);
    const recipient = topicArn === event.approver.backup?.topicArn ? event.approver.backup.name : event.approver.name;
    this.emails.push({ ...email, topicArn, approver: event.approver.name, stage: event.stage.index, askId, recipient });
    for (const waiter of this.waiters.filter((w) => this.emails.length >= w.count)) waiter.resolve();
  }
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
