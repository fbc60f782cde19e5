/**
 * In-memory stand-ins for the workflow's Lambdas, for running the real definition with the local
 * runner. A tiny request store decides with the real quorum arithmetic (signalOfVote,
 * certainOutcome), and approvers' decisions call back through the task registry the way the
 * decision recorder does: SendTaskSuccess for a vote that changes nothing, SendTaskFailure with
 * the signal's error for the vote that makes the outcome certain.
 */
import type { DefinitionFunctions } from "../../components/definition";
import type { LocalInvoke, LocalTaskRegistry } from "../../local/state-machine-runner";
import {
  INVALID_INPUT_ERROR,
  SIGNAL_ERRORS,
  type AskApproverEvent,
  type BranchResult,
  type Channel,
  type CloseRequestEvent,
  type DecisionEntry,
  type ExecutionOutput,
  type OpenRequestEvent,
  type RecordExpiryEvent,
  type RecordExpiryResult,
  type RequestSummary,
  type Signal,
  type Vote,
} from "../../lambdas/shared/model";
import { certainOutcome, signalFor, signalOfVote, type VoteCounts } from "../../lambdas/shared/quorum";

const functionArn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:${name}`;

export const FAKE_FUNCTIONS = {
  openRequest: functionArn("open-request"),
  notifyApprover: functionArn("notify-approver"),
  recordExpiry: functionArn("record-expiry"),
  closeRequest: functionArn("close-request"),
  ssmStart: functionArn("ssm-start"),
} as const satisfies Required<DefinitionFunctions>;

export type FakeFunction = keyof typeof FAKE_FUNCTIONS;

export interface Invocation {
  fn: FakeFunction;
  payload: any;
  result?: any;
  error?: string;
}

interface FakeRequest {
  summary: RequestSummary;
  status: "open" | "closed";
  counts: VoteCounts;
  votes: Record<string, Vote>;
}

interface FakeAsk {
  requestId: string;
  approver: string;
  channel: Channel;
  address: string;
  taskToken: string;
}

/** What a decision did: "delivered" / "closed" (the task no longer waits) / "lost" (callback dropped). */
export interface FakeDecision {
  signal: Signal;
  delivery: "delivered" | "closed" | "lost" | "refused";
}

export class FakeApprovalLambdas {
  readonly invocations: Invocation[] = [];
  private readonly requests = new Map<string, FakeRequest>();
  private readonly asks: FakeAsk[] = [];
  private readonly askWaiters: { count: number; resolve: () => void }[] = [];
  private readonly injectedFailures = new Map<FakeFunction, string[]>();
  private nextRequest = 1;

  constructor(private readonly registry: LocalTaskRegistry) {}

  /** The `invoke` to give runLocally. */
  readonly invoke: LocalInvoke = async (functionName, payload) => {
    const fn = (Object.keys(FAKE_FUNCTIONS) as FakeFunction[]).find((key) => FAKE_FUNCTIONS[key] === functionName);
    if (fn === undefined) throw new Error(`no fake for ${functionName}`);
    const invocation: Invocation = { fn, payload };
    this.invocations.push(invocation);
    try {
      const injected = this.injectedFailures.get(fn)?.shift();
      if (injected !== undefined) throw named(injected, `injected ${injected}`);
      invocation.result = this.handle(fn, payload);
      return invocation.result;
    } catch (error) {
      invocation.error = (error as Error).name;
      throw error;
    }
  };

  /** Makes the next invocation of `fn` throw an error named `errorName`. */
  failNext(fn: FakeFunction, errorName: string): void {
    this.injectedFailures.set(fn, [...(this.injectedFailures.get(fn) ?? []), errorName]);
  }

  invocationsOf(fn: FakeFunction): Invocation[] {
    return this.invocations.filter((invocation) => invocation.fn === fn);
  }

  /** Resolves once `count` approvers have been asked (their task tokens stored). */
  untilAsked(count: number): Promise<void> {
    if (this.asks.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.askWaiters.push({ count, resolve }));
  }

  /** The latest task token stored for an approver. */
  tokenOf(approver: string): string {
    const ask = this.askOf(approver);
    return ask.taskToken;
  }

  /**
   * An approver decides, as the decision recorder would: one vote per approver while the request
   * is open, then the callback. `callbackLost` keeps the signal on the vote as pending, as the
   * recorder does when Step Functions cannot be reached.
   */
  decide(approver: string, decision: "approve" | "reject", opts: { callbackLost?: boolean } = {}): FakeDecision {
    const ask = this.askOf(approver);
    const request = this.requestOf(ask.requestId);
    if (request.status !== "open" || request.votes[approver] !== undefined)
      return { signal: "none", delivery: "refused" };

    const vote: Vote = { decision, decidedAt: new Date().toISOString(), decidedBy: ask.address, channel: ask.channel };
    const signal = this.applyVote(request, approver, vote);
    if (opts.callbackLost) {
      vote.pendingSignal = signal;
      return { signal, delivery: "lost" };
    }
    const result: BranchResult = {
      approver,
      decision,
      decidedAt: vote.decidedAt,
      decidedBy: vote.decidedBy,
      channel: ask.channel,
    };
    try {
      if (signal === "none") this.registry.sendTaskSuccess(ask.taskToken, result);
      else this.registry.sendTaskFailure(ask.taskToken, SIGNAL_ERRORS[signal], `${approver} made the outcome certain`);
    } catch (error) {
      if (["TaskTimedOut", "InvalidToken"].includes((error as Error).name)) return { signal, delivery: "closed" };
      throw error;
    }
    return { signal, delivery: "delivered" };
  }

  /** Expiry results returned for one approver. */
  expiryResultsOf(approver: string): RecordExpiryResult[] {
    return this.invocationsOf("recordExpiry")
      .filter((invocation) => invocation.payload.approver === approver && invocation.result !== undefined)
      .map((invocation) => invocation.result);
  }

  // ---- The fake functions ----

  private handle(fn: FakeFunction, payload: any): unknown {
    switch (fn) {
      case "openRequest":
        return this.openRequest(payload);
      case "notifyApprover":
      case "ssmStart":
        return this.ask(payload, fn === "ssmStart" ? "iam" : "link");
      case "recordExpiry":
        return this.recordExpiry(payload);
      case "closeRequest":
        return this.closeRequest(payload);
    }
  }

  private openRequest(event: OpenRequestEvent) {
    const input = (event.input ?? {}) as { subject?: unknown; details?: unknown };
    if (typeof input.subject !== "string" || input.subject.trim() === "") {
      throw named(INVALID_INPUT_ERROR, "subject must be a non-empty string");
    }
    const requestId = `req-${this.nextRequest++}`;
    const summary: RequestSummary = {
      id: requestId,
      subject: input.subject,
      approvers: event.approvers,
      quorum: event.quorum,
      openedAt: event.startedAt,
    };
    if (typeof input.details === "string") summary.details = input.details;
    this.requests.set(requestId, {
      summary,
      status: "open",
      counts: { approvals: 0, rejections: 0, expirations: 0 },
      votes: {},
    });
    return { requestId, request: summary };
  }

  private ask(event: AskApproverEvent, channel: Channel): { askId: string } {
    this.requestOf(event.requestId);
    this.asks.push({
      requestId: event.requestId,
      approver: event.approver.name,
      channel,
      address: event.approver.address,
      taskToken: event.taskToken,
    });
    for (const waiter of this.askWaiters.filter((w) => this.asks.length >= w.count)) waiter.resolve();
    return { askId: `ask-${this.asks.length}` };
  }

  /** Mirrors the recorder: a vote (or the request's end) that came first wins over the deadline. */
  private recordExpiry({ requestId, approver }: RecordExpiryEvent): RecordExpiryResult {
    const request = this.requestOf(requestId);
    const earlier = request.votes[approver];
    if (request.status !== "open") return { signal: "none", decision: entryOf(approver, earlier) };
    if (earlier !== undefined) {
      const signal = earlier.pendingSignal ?? signalFor(certainOutcome(request.counts, ruleOf(request)));
      delete earlier.pendingSignal;
      return { signal, decision: entryOf(approver, earlier) };
    }
    const vote: Vote = {
      decision: "expired",
      decidedAt: new Date().toISOString(),
      decidedBy: "deadline",
      channel: "deadline",
    };
    const signal = this.applyVote(request, approver, vote);
    return { signal, decision: entryOf(approver, vote) };
  }

  private closeRequest({ requestId, failed }: CloseRequestEvent): ExecutionOutput {
    const request = this.requestOf(requestId);
    request.status = "closed";
    request.summary.closedAt = new Date().toISOString();
    const outcome = certainOutcome(request.counts, ruleOf(request)) ?? (failed ? "rejected" : "expired");
    return {
      outcome,
      decisions: request.summary.approvers.map((approver) => entryOf(approver, request.votes[approver])),
      request: request.summary,
    };
  }

  // ---- Store internals ----

  private applyVote(request: FakeRequest, approver: string, vote: Vote): Signal {
    request.votes[approver] = vote;
    if (vote.decision === "approve") request.counts.approvals++;
    else if (vote.decision === "reject") request.counts.rejections++;
    else request.counts.expirations++;
    return signalOfVote(vote.decision, { ...request.counts }, ruleOf(request));
  }

  private askOf(approver: string): FakeAsk {
    const ask = this.asks.filter((a) => a.approver === approver).pop();
    if (ask === undefined) throw new Error(`${approver} was never asked`);
    return ask;
  }

  private requestOf(requestId: string): FakeRequest {
    const request = this.requests.get(requestId);
    if (request === undefined) throw named("Approval.RequestNotFound", `request ${requestId} not found`);
    return request;
  }
}

function ruleOf(request: FakeRequest) {
  return { approverCount: request.summary.approvers.length, quorum: request.summary.quorum };
}

function entryOf(approver: string, vote: Vote | undefined): DecisionEntry {
  if (vote === undefined) return { approver, decision: "none" };
  const entry: DecisionEntry = {
    approver,
    decision: vote.decision,
    decidedAt: vote.decidedAt,
    decidedBy: vote.decidedBy,
    channel: vote.channel,
  };
  if (vote.comment !== undefined) entry.comment = vote.comment;
  return entry;
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
