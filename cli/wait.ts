/**
 * Waiting for an execution to end: DescribeExecution every poll interval, and, while it runs,
 * GetExecutionHistory for progress (cli/progress.ts). A caller without states:GetExecutionHistory
 * still waits for the outcome, told once that progress is not shown and why. Both calls are well
 * within Step Functions' API rate quotas at one call each per interval
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-api-action-throttling-general),
 * and the SDK retries throttling.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
} from "@aws-sdk/client-sfn";
import { executionsArnOf, explain, type AwsClients, type AwsOptions } from "./aws";
import { ProgressReader, type ProgressItem } from "./progress";

export type Described = Pick<
  DescribeExecutionCommandOutput,
  "executionArn" | "status" | "output" | "error" | "cause" | "startDate" | "stopDate" | "input"
>;

export async function describe(clients: AwsClients, executionArn: string, options: AwsOptions): Promise<Described> {
  try {
    return await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    throw explain(error, { action: "states:DescribeExecution", resource: executionsArnOf(executionArn), options });
  }
}

/** The whole history, oldest first (every page). */
export async function history(clients: AwsClients, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

export interface WaitOptions {
  aws: AwsOptions;
  /** Give up (the execution goes on) after this long; undefined: wait for the end. */
  timeoutMs?: number;
  pollMs: number;
  onProgress(item: ProgressItem): void;
  /** Once, when progress cannot be read. */
  onNotice(message: string): void;
  /** After every poll of a running execution. */
  onTick?(elapsedMs: number): void;
}

export type WaitResult =
  | { kind: "ended"; described: Described; reader: ProgressReader }
  | { kind: "pending"; described: Described; reader: ProgressReader };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitForEnd(clients: AwsClients, executionArn: string, options: WaitOptions): Promise<WaitResult> {
  const reader = new ProgressReader();
  const started = Date.now();
  let progress = true;
  for (;;) {
    const described = await describe(clients, executionArn, options.aws);
    if (progress) {
      try {
        for (const item of reader.read(await history(clients, executionArn))) options.onProgress(item);
      } catch (error) {
        progress = false;
        const why = explain(error, {
          action: "states:GetExecutionHistory",
          resource: executionsArnOf(executionArn),
          options: options.aws,
        });
        options.onNotice(`progress is not shown (waiting for the outcome only): ${why.message}`);
      }
    }
    if (described.status !== "RUNNING" && described.status !== "PENDING_REDRIVE")
      return { kind: "ended", described, reader };
    const elapsed = Date.now() - started;
    options.onTick?.(elapsed);
    if (options.timeoutMs !== undefined && elapsed >= options.timeoutMs) return { kind: "pending", described, reader };
    const left =
      options.timeoutMs === undefined ? options.pollMs : Math.min(options.pollMs, options.timeoutMs - elapsed);
    await sleep(Math.max(left, 0));
  }
}
