/**
 * Executions that end without their close state: stopped (ABORTED), timed out, or failed in a
 * way the definition cannot catch. Step Functions sends a "Step Functions Execution Status
 * Change" event for every status change of a Standard workflow to the default event bus (best
 * effort); a rule with this pattern sends the endings to close-request.
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html
 */
import type { CloseReason } from "./model";

export const STATES_EVENT_SOURCE = "aws.states";
export const EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change";

/** The statuses that end an execution without a completed close, and how the request is closed. */
export const UNFINISHED_ENDS = {
  ABORTED: "aborted",
  TIMED_OUT: "timedOut",
  FAILED: "failed",
} as const satisfies Record<string, CloseReason>;

export function executionEndPattern(stateMachineArn: string) {
  return {
    source: [STATES_EVENT_SOURCE],
    "detail-type": [EXECUTION_STATUS_CHANGE],
    detail: { stateMachineArn: [stateMachineArn], status: Object.keys(UNFINISHED_ENDS) },
  };
}

export type ExecutionEnd =
  | { kind: "ended"; executionArn: string; status: keyof typeof UNFINISHED_ENDS; reason: CloseReason }
  | { kind: "ignored"; reason: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The ending an event reports; undefined when the event is not an EventBridge event at all. */
export function executionEndOf(event: unknown): ExecutionEnd | undefined {
  if (!isRecord(event) || event.source === undefined) return undefined;
  if (event.source !== STATES_EVENT_SOURCE || event["detail-type"] !== EXECUTION_STATUS_CHANGE) {
    return { kind: "ignored", reason: `not an execution status change (source ${String(event.source)})` };
  }
  const detail = isRecord(event.detail) ? event.detail : {};
  const { executionArn, status } = detail;
  if (typeof executionArn !== "string" || !executionArn.startsWith("arn:"))
    return { kind: "ignored", reason: "detail.executionArn is missing" };
  if (typeof status !== "string" || !(status in UNFINISHED_ENDS))
    return { kind: "ignored", reason: `status ${String(status)} needs no close` };
  const ended = status as keyof typeof UNFINISHED_ENDS;
  return { kind: "ended", executionArn, status: ended, reason: UNFINISHED_ENDS[ended] };
}
