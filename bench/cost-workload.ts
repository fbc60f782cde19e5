/**
 * Counts the work of requests where every approver of every stage approves, driven through the
 * deployed definition and the real handlers (local-workflow.ts): each approver opens the emailed
 * link (GET) and approves (POST); the next stage's approvers are emailed once the stage before is
 * approved. The result is the average work of one request, ready for cost.ts.
 */
import { billedDurationMs, type Architecture, type LambdaUsage, type WorkPerRequest } from "./cost";
import { TOPOLOGY, type LocalWorkflow } from "./local-workflow";

export interface LambdaSettings {
  memoryMb: number;
  architecture: Architecture;
}

export interface CountedWork {
  /** Approvers of each stage. */
  stages: number[];
  approvers: number;
  requests: number;
  work: WorkPerRequest;
  /** DynamoDB calls per request, by command. */
  dynamoCalls: Record<string, number>;
  /** SNS API requests per request, by command (not priced: see the assumptions). */
  snsRequests: Record<string, number>;
  /** Mean measured duration per invocation, by function (ms, before rounding up). */
  meanDurationMs: Record<string, number>;
}

/**
 * Runs one request to its end, stage by stage: every approver of the stage GETs the page, then
 * approves; returns its state transitions.
 */
export async function approveAll(workflow: LocalWorkflow, stages: readonly number[]): Promise<number> {
  const request = workflow.start(stages);
  const decided = new Set<string>();
  let emailed = 0;
  for (const size of stages) {
    emailed += size;
    for (const [approver, askId] of await request.links(emailed)) {
      if (decided.has(approver)) continue;
      decided.add(approver);
      const shown = await workflow.page("GET", askId);
      const approved = await workflow.page("POST", askId, "decision=approve");
      if (shown.statusCode !== 200 || approved.statusCode !== 200) {
        throw new Error(`bench: approval page answered ${shown.statusCode} / ${approved.statusCode}`);
      }
    }
  }
  const result = await request.execution.result;
  const outcome = (result.output as { outcome?: string } | undefined)?.outcome;
  if (result.status !== "SUCCEEDED" || outcome !== "approved") {
    throw new Error(
      `bench: request ended ${result.status} (${outcome ?? result.error}), expected SUCCEEDED / approved`,
    );
  }
  return result.transitions;
}

export async function countWork(
  workflow: LocalWorkflow,
  stages: readonly number[],
  options: { requests: number; warmup: number; lambda: LambdaSettings },
): Promise<CountedWork> {
  // Each handler run timed alone, as in its own Lambda container (parallel branches would
  // otherwise share this process and bill each other's time).
  const isolated = workflow.isolateInvocations;
  workflow.isolateInvocations = true;
  let transitions = 0;
  try {
    for (let i = 0; i < options.warmup; i++) await approveAll(workflow, stages);
    workflow.resetCounts();
    for (let i = 0; i < options.requests; i++) transitions += await approveAll(workflow, stages);
  } finally {
    workflow.isolateInvocations = isolated;
  }

  const perRequest = (count: number) => count / options.requests;
  const byFunction = new Map<string, number[]>();
  for (const { functionName, ms } of workflow.invocations)
    byFunction.set(functionName, [...(byFunction.get(functionName) ?? []), ms]);
  const lambdas: LambdaUsage[] = [...byFunction].map(([name, durations]) => ({
    name,
    invocations: perRequest(durations.length),
    billedMs: perRequest(durations.reduce((sum, ms) => sum + billedDurationMs(ms), 0)),
    memoryMb: options.lambda.memoryMb,
    architecture: options.lambda.architecture,
  }));
  const dynamoCalls: Record<string, number> = {};
  for (const call of workflow.calls.dynamo) dynamoCalls[call.command] = (dynamoCalls[call.command] ?? 0) + 1;
  const snsRequests: Record<string, number> = {};
  for (const command of workflow.calls.snsRequests) snsRequests[command] = (snsRequests[command] ?? 0) + 1;
  const perRequestCounts = (counts: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).map(([command, count]) => [command, perRequest(count)]));

  return {
    stages: [...stages],
    approvers: stages.reduce((sum, size) => sum + size, 0),
    requests: options.requests,
    work: {
      stateTransitions: perRequest(transitions),
      lambdas,
      dynamoWriteUnits: perRequest(workflow.calls.writeUnits()),
      dynamoReadUnits: perRequest(workflow.calls.readUnits()),
      snsEmails: perRequest(workflow.calls.published.length),
      // Every call of a function behind the HTTP API (the approval page) is one API request.
      httpApiRequests: perRequest(
        TOPOLOGY.filter((fn) => fn.invokedBy.includes("api")).reduce(
          (sum, fn) => sum + (byFunction.get(fn.key)?.length ?? 0),
          0,
        ),
      ),
      ssmAutomationSteps: 0,
    },
    dynamoCalls: perRequestCounts(dynamoCalls),
    snsRequests: perRequestCounts(snsRequests),
    meanDurationMs: Object.fromEntries(
      [...byFunction].map(([name, durations]) => [name, durations.reduce((a, b) => a + b, 0) / durations.length]),
    ),
  };
}
