/**
 * What one reminder costs (core/reminders.ts): a one-approver request decided after one reminder,
 * less the same request decided at once, both driven through the deployed definition and the real
 * handlers (local-workflow.ts). A reminder adds the planning step and the ask sent again (two state
 * transitions, one record-expiry and one notify-approver invocation), their DynamoDB reads and
 * writes, and one email; a request decided before its first reminder costs nothing more.
 */
import { billedDurationMs, costPer1000, type CostPer1000, type WorkPerRequest } from "./cost";
import type { LambdaSettings } from "./cost-workload";
import type { LocalWorkflow } from "./local-workflow";

export interface ReminderCost {
  stateTransitions: number;
  lambdaInvocations: Record<string, number>;
  snsEmails: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  /** Dollars per 1,000 reminders. */
  cost: CostPer1000;
}

/** Approves the request's one approver, after `reminders` reminders; its work. */
async function oneRequest(workflow: LocalWorkflow, reminders: number, lambda: LambdaSettings): Promise<WorkPerRequest> {
  workflow.resetCounts();
  const request = workflow.start([1], [1], reminders > 0 ? 1 : undefined);
  const [[, askId]] = await request.links(1);
  // The reminder's email carries the same link; wait until `reminders` of them went out.
  while (workflow.calls.published.filter((m) => (m.subject ?? "").startsWith("Reminder:")).length < reminders)
    await new Promise((resolve) => setTimeout(resolve, 10));
  const approved = await workflow.page("POST", askId, "decision=approve");
  if (approved.statusCode !== 200) throw new Error(`bench: approval page answered ${approved.statusCode}`);
  const result = await request.execution.result;
  if (result.status !== "SUCCEEDED") throw new Error(`bench: reminder request ended ${result.status}`);
  const byFunction = new Map<string, number[]>();
  for (const { functionName, ms } of workflow.invocations)
    byFunction.set(functionName, [...(byFunction.get(functionName) ?? []), ms]);
  return {
    stateTransitions: result.transitions,
    lambdas: [...byFunction].map(([name, durations]) => ({
      name,
      invocations: durations.length,
      billedMs: durations.reduce((sum, ms) => sum + billedDurationMs(ms), 0),
      memoryMb: lambda.memoryMb,
      architecture: lambda.architecture,
    })),
    dynamoWriteUnits: workflow.calls.writeUnits(),
    dynamoReadUnits: workflow.calls.readUnits(),
    snsEmails: workflow.calls.published.length,
    httpApiRequests: 0,
    ssmAutomationSteps: 0,
  };
}

export async function reminderCost(workflow: LocalWorkflow, lambda: LambdaSettings): Promise<ReminderCost> {
  const without = await oneRequest(workflow, 0, lambda);
  const withOne = await oneRequest(workflow, 1, lambda);
  const invocationsOf = (work: WorkPerRequest, name: string) =>
    work.lambdas.find((l) => l.name === name)?.invocations ?? 0;
  const names = [...new Set(withOne.lambdas.map((l) => l.name))];
  const lambdas = names
    .map((name) => {
      const a = withOne.lambdas.find((l) => l.name === name)!;
      const b = without.lambdas.find((l) => l.name === name);
      return {
        ...a,
        invocations: a.invocations - (b?.invocations ?? 0),
        billedMs: Math.max(0, a.billedMs - (b?.billedMs ?? 0)),
      };
    })
    .filter((l) => l.invocations > 0);
  const delta: WorkPerRequest = {
    stateTransitions: withOne.stateTransitions - without.stateTransitions,
    lambdas,
    dynamoWriteUnits: withOne.dynamoWriteUnits - without.dynamoWriteUnits,
    dynamoReadUnits: withOne.dynamoReadUnits - without.dynamoReadUnits,
    snsEmails: withOne.snsEmails - without.snsEmails,
    httpApiRequests: 0,
    ssmAutomationSteps: 0,
  };
  return {
    stateTransitions: delta.stateTransitions,
    lambdaInvocations: Object.fromEntries(
      names
        .map((name) => [name, invocationsOf(withOne, name) - invocationsOf(without, name)])
        .filter(([, n]) => n !== 0),
    ),
    snsEmails: delta.snsEmails,
    dynamoWriteUnits: delta.dynamoWriteUnits,
    dynamoReadUnits: delta.dynamoReadUnits,
    cost: costPer1000(delta),
  };
}

export function reminderSection(cost: ReminderCost): string {
  const calls = Object.entries(cost.lambdaInvocations)
    .map(([name, n]) => `${name} ×${n}`)
    .join(", ");
  return [
    `  One reminder adds ${cost.stateTransitions} state transitions, ${calls}, ${cost.snsEmails} email, ` +
      `${cost.dynamoWriteUnits} DynamoDB write and ${cost.dynamoReadUnits} read units.`,
    `  Per 1,000 reminders: $${cost.cost.total.toFixed(4)} (Step Functions $${cost.cost.stepFunctions.toFixed(4)}, ` +
      `Lambda $${(cost.cost.lambdaRequests + cost.cost.lambdaCompute).toFixed(4)}, DynamoDB $${cost.cost.dynamoDb.toFixed(4)}, SNS $${cost.cost.sns.toFixed(4)}).`,
  ].join("\n");
}
