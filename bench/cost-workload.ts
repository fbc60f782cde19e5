/**
 * Counts the work of requests where every approver approves, driven through the real definition
 * and handlers (local-workflow.ts): each approver opens the emailed link (GET) and approves (POST).
 * The result is the average work of one request, ready for cost.ts.
 */
import { billedDurationMs, type Architecture, type LambdaUsage, type WorkPerRequest } from "./cost";
import type { LocalWorkflow } from "./local-workflow";

export interface LambdaSettings {
  memoryMb: number;
  architecture: Architecture;
}

export interface CountedWork {
  approvers: number;
  requests: number;
  work: WorkPerRequest;
  /** DynamoDB calls per request, by command. */
  dynamoCalls: Record<string, number>;
  /** Mean measured duration per invocation, by function (ms, before rounding up). */
  meanDurationMs: Record<string, number>;
}

/** Runs one request to its end (every approver GETs the page, then approves); returns its state transitions. */
export async function approveAll(workflow: LocalWorkflow, approvers: number): Promise<number> {
  const request = workflow.start(approvers);
  const links = await request.links();
  for (const askId of links.values()) {
    const shown = await workflow.page("GET", askId);
    const decided = await workflow.page("POST", askId, "decision=approve");
    if (shown.statusCode !== 200 || decided.statusCode !== 200) {
      throw new Error(`bench: approval page answered ${shown.statusCode} / ${decided.statusCode}`);
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
  approvers: number,
  options: { requests: number; warmup: number; lambda: LambdaSettings },
): Promise<CountedWork> {
  // Each handler run timed alone, as in its own Lambda container (parallel branches would
  // otherwise share this process and bill each other's time).
  const isolated = workflow.isolateInvocations;
  workflow.isolateInvocations = true;
  let transitions = 0;
  try {
    for (let i = 0; i < options.warmup; i++) await approveAll(workflow, approvers);
    workflow.resetCounts();
    for (let i = 0; i < options.requests; i++) transitions += await approveAll(workflow, approvers);
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

  return {
    approvers,
    requests: options.requests,
    work: {
      stateTransitions: perRequest(transitions),
      lambdas,
      dynamoWriteUnits: perRequest(workflow.calls.writeUnits()),
      dynamoReadUnits: perRequest(workflow.calls.readUnits()),
      snsEmails: perRequest(workflow.calls.published.length),
      // Every approval page call is one HTTP API request.
      httpApiRequests: perRequest(byFunction.get("approval-page")?.length ?? 0),
      ssmAutomationSteps: 0,
    },
    dynamoCalls: Object.fromEntries(
      Object.entries(dynamoCalls).map(([command, count]) => [command, perRequest(count)]),
    ),
    meanDurationMs: Object.fromEntries(
      [...byFunction].map(([name, durations]) => [name, durations.reduce((a, b) => a + b, 0) / durations.length]),
    ),
  };
}
