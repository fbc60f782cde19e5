/**
 * Requests for the iam-channel tests: a request record opened exactly as open-request writes it
 * (its own record builder, the request id derived from the execution ARN), the ask event the
 * state machine sends an approver's ask function, and a Step Functions callback client that
 * records SendTaskSuccess / SendTaskFailure. Kept apart from request-fixtures.ts, which other
 * specs share.
 */
import { randomUUID } from "node:crypto";
import { SendTaskFailureCommand, SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { requestIdFor } from "../../core/ids";
import type { ExecutionInput, RequestSummary } from "../../core/model";
import type { ApproverRef, AskEvent, StageLayout } from "../../core/payloads";
import type { RequestStore } from "../../core/ports";
import { requestSummaryOf } from "../../core/views";
import type { TaskCallbackClient } from "../../lambdas/adapters/callbacks";
import { newRequestRecord } from "../../lambdas/open-request/request-record";

export const T0 = new Date("2030-01-01T00:00:00.000Z");
export const MINUTE_MS = 60_000;
export const HOUR_S = 3600;
export const ACCOUNT = "123456789012";
export const RETENTION_DAYS = 30;

/** A stage as the tests write it: voters, and optionally advisors, a quorum (default all) and a timeout. */
export interface TestStage {
  name: string;
  approvers: string[];
  quorum?: number;
  timeoutSeconds?: number;
}

export interface OpenedRequest {
  requestId: string;
  executionArn: string;
  summary: RequestSummary;
  stages: StageLayout[];
}

export const executionArnOf = (name: string = randomUUID()): string =>
  `arn:aws:states:eu-west-1:${ACCOUNT}:execution:approval-workflow-0a1b2c3:${name}`;

/** Opens a request record as open-request does, opened at T0 unless said otherwise. */
export async function openStagedRequest(
  store: RequestStore,
  stages: TestStage[],
  input: ExecutionInput = { subject: "Rotate the production database credentials" },
  options: { startedAt?: Date; executionArn?: string } = {},
): Promise<OpenedRequest> {
  const executionArn = options.executionArn ?? executionArnOf();
  const requestId = requestIdFor(executionArn);
  const layouts: StageLayout[] = stages.map((stage) => ({
    name: stage.name,
    quorum: stage.quorum ?? stage.approvers.length,
    timeoutSeconds: stage.timeoutSeconds ?? HOUR_S,
    approvers: stage.approvers,
    advisors: [],
  }));
  const record = newRequestRecord(
    requestId,
    input,
    { input, executionArn, startedAt: (options.startedAt ?? T0).toISOString(), stages: layouts },
    RETENTION_DAYS,
  );
  const opened = await store.openRequest(record);
  return { requestId, executionArn, summary: requestSummaryOf(opened.request), stages: layouts };
}

export const principalOf = (approver: string): string => `arn:aws:iam::${ACCOUNT}:role/${approver}-approver`;
/** Who actually clicked Approve: a session of the approver role. */
export const sessionOf = (approver: string): string =>
  `arn:aws:sts::${ACCOUNT}:assumed-role/${approver}-approver/alice`;
export const automationTopicOf = (approver: string): string =>
  `arn:aws:sns:eu-west-1:${ACCOUNT}:Automation-${approver}-20261126`;

/** An iam approver as the definition passes them to ssm-start. */
export function iamApprover(name: string): ApproverRef {
  return { name, mode: "vote", address: principalOf(name), topicArn: automationTopicOf(name), options: {} };
}

/** The event the state machine sends an approver's ask function (`lambda:invoke.waitForTaskToken`). */
export function askEventFor(
  opened: OpenedRequest,
  stageIndex: number,
  approver: ApproverRef,
  taskToken = `token-${approver.name}-${randomUUID()}`,
): AskEvent {
  return {
    taskToken,
    requestId: opened.requestId,
    request: opened.summary,
    stage: { index: stageIndex, name: opened.stages[stageIndex].name, count: opened.stages.length },
    approver,
    timeoutSeconds: opened.stages[stageIndex].timeoutSeconds,
  };
}

export interface SfnCall {
  operation: "SendTaskSuccess" | "SendTaskFailure";
  taskToken: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

/** Records the callbacks; `script` makes the next calls throw, in order. */
export class RecordingStepFunctions implements TaskCallbackClient {
  readonly calls: SfnCall[] = [];
  readonly script: Error[] = [];

  async send(command: SendTaskSuccessCommand | SendTaskFailureCommand): Promise<unknown> {
    const taskToken = command.input.taskToken!;
    if (command instanceof SendTaskSuccessCommand)
      this.calls.push({ operation: "SendTaskSuccess", taskToken, output: JSON.parse(command.input.output!) });
    else
      this.calls.push({
        operation: "SendTaskFailure",
        taskToken,
        error: command.input.error,
        cause: command.input.cause,
      });
    const next = this.script.shift();
    if (next) throw next;
    return {};
  }
}

/**
 * The JSON log lines the handlers write while `run` runs (the logger writes to stdout), at every
 * level from `level` up. Nothing reaches the real stdout meanwhile.
 */
export async function captureLogLines<T>(
  run: () => Promise<T>,
  level = "info",
): Promise<{ result?: T; error?: unknown; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const write = process.stdout.write;
  const savedLevel = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = level;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) {
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ message: line });
      }
    }
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await run(), lines };
  } catch (error) {
    return { error, lines };
  } finally {
    process.stdout.write = write;
    if (savedLevel === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = savedLevel;
  }
}
