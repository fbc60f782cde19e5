/**
 * Decision latency: from an approver's POST on the approval page to the state machine's next
 * state, i.e. the approver's task settling in the local runner. Requests have one stage: a vote
 * that does not decide the stage ends its branch (its Ask state exits); the deciding vote ends the
 * stage's Parallel state, so the next state is "Close request". Handlers run against dynalite;
 * Step Functions callbacks reach the runner through the sandbox's Step Functions endpoint.
 *
 * Also 50 approvers of one request deciding at once: the quorum must be signalled exactly once
 * and no vote lost. That is checked from what the handlers did, not assumed.
 */
import { performance } from "node:perf_hooks";
import { STATE, branchStateNames } from "../core/definition";
import { SIGNAL_ERRORS } from "../core/errors";
import type { ExecutionOutput } from "../core/model";
import type { ExecutionEvent } from "../local/state-machine-runner";
import { approveAll } from "./cost-workload";
import type { LocalWorkflow, PageAnswer, RunningRequest } from "./local-workflow";
import { summarize, type Summary } from "./stats";

const isState = (type: ExecutionEvent["type"], name: string) => (event: ExecutionEvent) =>
  event.type === type && "state" in event && event.state.name === name;

export interface SequentialLatency {
  decisions: number;
  approversPerRequest: number;
  /** POST → the task settled in the state machine (ms). */
  toNextState: Summary;
  /** POST → the page's answer (ms). */
  pageResponse: Summary;
}

/** `decisions` decisions, one at a time, on requests of `approversPerRequest` approvers (all must approve). */
export async function sequentialLatency(
  workflow: LocalWorkflow,
  decisions: number,
  approversPerRequest: number,
): Promise<SequentialLatency> {
  await approveAll(workflow, [approversPerRequest]); // warm-up, not measured
  const toNextState: number[] = [];
  const pageResponse: number[] = [];
  while (toNextState.length < decisions) {
    const request = workflow.start([approversPerRequest]);
    const links = [...(await request.links())];
    for (const [index, [approver, askId]] of links.entries()) {
      const deciding = index === links.length - 1;
      const settled = request.nextEvent(
        deciding
          ? isState("StateEntered", STATE.closeRequest)
          : isState("StateExited", branchStateNames(0, approver).ask),
      );
      const started = performance.now();
      const answer = await workflow.page("POST", askId, "decision=approve");
      if (answer.statusCode !== 200) throw new Error(`bench: decision answered ${answer.statusCode}`);
      toNextState.push((await settled) - started);
      pageResponse.push(answer.ms);
    }
    await expectApproved(request);
  }
  return {
    decisions: toNextState.length,
    approversPerRequest,
    toNextState: summarize(toNextState),
    pageResponse: summarize(pageResponse),
  };
}

export interface ConcurrentDecisions {
  approvers: number;
  quorum: number;
  /** Decisions sent in the first, simultaneous wave (all of them unless the local engine held branches back). */
  simultaneous: number;
  /** All POSTs sent at once → the deciding signal reached the state machine ("Close request" entered), ms. */
  toClose: number;
  pageResponse: Summary;
  verification: {
    quorumSignals: number;
    otherSignals: number;
    branchCompletions: number;
    /** Callbacks refused because the task no longer waited (votes after the quorum). */
    refusedCallbacks: number;
    answers: Record<string, number>;
    votesRecorded: number;
    approvalsInOutput: number;
    outcome: string;
    passed: boolean;
    checks: string[];
  };
}

/** `approvers` approvers of one request approve at the same moment; quorum default: all. */
export async function concurrentDecisions(
  workflow: LocalWorkflow,
  approvers: number,
  quorum = approvers,
): Promise<ConcurrentDecisions> {
  const request = workflow.start([approvers], [quorum]);
  const callbacksBefore = workflow.calls.callbacks.length;
  const closeEntered = request.nextEvent(isState("StateEntered", STATE.closeRequest));
  const { firstWave, started, answers } = await decideAtOnce(workflow, request, approvers);
  const toClose = (await closeEntered) - started;
  const output = await expectApproved(request);
  return {
    approvers,
    quorum,
    simultaneous: firstWave,
    toClose,
    pageResponse: summarize(answers.map((answer) => answer.ms)),
    verification: verifyConcurrent(workflow.calls.callbacks.slice(callbacksBefore), answers, output, {
      approvers,
      quorum,
    }),
  };
}

/**
 * Everyone who has their email decides at once. The local engine runs at most 40 Parallel
 * branches at a time (aws-local-stepfunctions' fixed limit; Step Functions has none), so beyond
 * 40 approvers the rest are asked, and decide, as the first decisions free branches.
 */
async function decideAtOnce(
  workflow: LocalWorkflow,
  request: RunningRequest,
  approvers: number,
): Promise<{ firstWave: number; started: number; answers: PageAnswer[] }> {
  const firstWave = await emailsSettled(request, approvers);
  const posted = new Set<string>();
  const pending: Promise<PageAnswer>[] = [];
  const started = performance.now();
  while (posted.size < approvers) {
    for (const [approver, askId] of request.linksSoFar()) {
      if (posted.has(approver)) continue;
      posted.add(approver);
      pending.push(workflow.page("POST", askId, "decision=approve"));
    }
    if (posted.size < approvers) await waitForNewEmail(request, posted.size);
  }
  return { firstWave, started, answers: await Promise.all(pending) };
}

/** What the handlers did for one request decided at once: one quorum signal, no vote lost. */
function verifyConcurrent(
  callbacks: LocalWorkflow["calls"]["callbacks"],
  answers: PageAnswer[],
  output: ExecutionOutput,
  { approvers, quorum }: { approvers: number; quorum: number },
): ConcurrentDecisions["verification"] {
  const delivered = callbacks.filter((callback) => callback.result === "delivered");
  const quorumSignals = delivered.filter(
    (callback) => callback.kind === "failure" && callback.error === SIGNAL_ERRORS.quorumReached,
  ).length;
  const otherSignals = delivered.filter(
    (callback) => callback.kind === "failure" && callback.error !== SIGNAL_ERRORS.quorumReached,
  ).length;
  const branchCompletions = delivered.filter((callback) => callback.kind === "success").length;
  const byStatus: Record<string, number> = {};
  for (const answer of answers) byStatus[answer.statusCode] = (byStatus[answer.statusCode] ?? 0) + 1;
  const votesRecorded = byStatus["200"] ?? 0;
  const approvalsInOutput = output.decisions.filter((entry) => entry.decision === "approve").length;

  // 200: the vote was recorded; 409: the request had closed first (quorum reached, nothing to add).
  const checks: Array<[string, boolean]> = [
    [
      `exactly one ${SIGNAL_ERRORS.quorumReached} signal (got ${quorumSignals}), no other signal (got ${otherSignals})`,
      quorumSignals === 1 && otherSignals === 0,
    ],
    [
      `every POST answered 200 recorded or 409 closed (${JSON.stringify(byStatus)})`,
      votesRecorded + (byStatus["409"] ?? 0) === approvers,
    ],
    [
      `every recorded vote is in the execution output (${votesRecorded} recorded, ${approvalsInOutput} in output)`,
      votesRecorded === approvalsInOutput,
    ],
    [`at least the quorum was recorded (${approvalsInOutput} >= ${quorum})`, approvalsInOutput >= quorum],
    // Votes after the deciding one find their task released (refused) or their token already
    // scrubbed (no callback); before it, each one completes its branch.
    [
      `every vote before the deciding one completed its branch (${branchCompletions} >= ${quorum - 1})`,
      branchCompletions >= quorum - 1,
    ],
    [
      `no vote made more than one callback (${callbacks.length} <= ${votesRecorded})`,
      callbacks.length <= votesRecorded,
    ],
  ];
  if (quorum === approvers) {
    checks.push([`all ${approvers} votes recorded`, votesRecorded === approvers]);
  }
  return {
    quorumSignals,
    otherSignals,
    branchCompletions,
    refusedCallbacks: callbacks.length - delivered.length,
    answers: byStatus,
    votesRecorded,
    approvalsInOutput,
    outcome: output.outcome,
    passed: checks.every(([, ok]) => ok),
    checks: checks.map(([text, ok]) => `${ok ? "ok  " : "FAIL"} ${text}`),
  };
}

async function expectApproved(request: RunningRequest): Promise<ExecutionOutput> {
  const result = await request.execution.result;
  const output = result.output as ExecutionOutput | undefined;
  if (result.status !== "SUCCEEDED" || output?.outcome !== "approved") {
    throw new Error(
      `bench: request ended ${result.status} (${output?.outcome ?? result.error}), expected SUCCEEDED / approved`,
    );
  }
  return output;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until every approver the engine is asking has their email (the first wave: all of them,
 * or as many branches as the engine runs at once), steady for 100 ms; returns how many are out.
 */
async function emailsSettled(request: RunningRequest, approvers: number): Promise<number> {
  const { executionArn, registry } = request.execution;
  let steadySince = Date.now();
  let last = -1;
  for (;;) {
    const emails = request.linksSoFar().size;
    if (emails >= approvers) return emails;
    const asked = registry.waiting(executionArn).length;
    if (emails !== last || emails === 0 || emails < asked) {
      last = emails;
      steadySince = Date.now();
    } else if (Date.now() - steadySince > 100) {
      return emails;
    }
    await pause(1);
  }
}

async function waitForNewEmail(request: RunningRequest, seen: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (request.linksSoFar().size <= seen) {
    if (Date.now() > deadline) throw new Error(`bench: no approval email after the first ${seen}`);
    await pause(1);
  }
}
