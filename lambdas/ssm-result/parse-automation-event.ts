/**
 * Reads an "EC2 Automation Step Status-change Notification" from EventBridge. Pure.
 *
 * The rule already matches only this stack's approve step in a final status; the checks are
 * repeated here because the function must not act on anything else whoever invokes it, and an
 * event it cannot use is reported (and then ignored), not thrown: retrying would not change it.
 */
import {
  APPROVE_ACTION,
  APPROVE_STEP_NAME,
  FINAL_STEP_STATUSES,
  SSM_EVENT_SOURCE,
  STEP_STATUS_DETAIL_TYPE,
  type FinalStepStatus,
} from "../../channels/iam/automation-contract";

export type ParsedStepEvent =
  | { kind: "stepEnded"; executionId: string; documentName: string; status: FinalStepStatus }
  | { kind: "ignored"; reason: string };

/** Automation execution ids are UUIDs; anything else is not worth an API call. */
const EXECUTION_ID = /^[A-Za-z0-9-]{1,64}$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function parseStepStatusEvent(event: unknown): ParsedStepEvent {
  const ignored = (reason: string): ParsedStepEvent => ({ kind: "ignored", reason });
  if (!isRecord(event)) return ignored("event is not an object");
  if (event.source !== SSM_EVENT_SOURCE || event["detail-type"] !== STEP_STATUS_DETAIL_TYPE) {
    return ignored(
      `not an automation step status event (source ${String(event.source)}, detail-type ${String(event["detail-type"])})`,
    );
  }
  const detail = event.detail;
  if (!isRecord(detail)) return ignored("event has no detail");
  const { ExecutionId, Definition, StepName, Action, Status } = detail;
  if (typeof ExecutionId !== "string" || !EXECUTION_ID.test(ExecutionId))
    return ignored("detail.ExecutionId is missing or malformed");
  if (typeof Definition !== "string" || Definition === "") return ignored("detail.Definition is missing");
  if (StepName !== APPROVE_STEP_NAME || Action !== APPROVE_ACTION) {
    return ignored(`step ${String(StepName)} (${String(Action)}) is not the ${APPROVE_STEP_NAME} step`);
  }
  if (!(FINAL_STEP_STATUSES as readonly unknown[]).includes(Status))
    return ignored(`step status ${String(Status)} is not final`);
  return { kind: "stepEnded", executionId: ExecutionId, documentName: Definition, status: Status as FinalStepStatus };
}
