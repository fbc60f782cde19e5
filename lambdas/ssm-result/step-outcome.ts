/**
 * What an ended approve step means for the approver's vote, read from GetAutomationExecution.
 * Pure: the execution is described by the few fields used (the SDK's AutomationExecution fits).
 *
 * The step's outputs say who decided what: `ApprovalStatus` (Approved | Rejected | Waiting) and
 * `ApproverDecisions` (one JSON map per decision: Approver, Decision, ApprovalDecisionTime,
 * Comment). A rejection may end the step as Failed, so outputs decide, not the status alone.
 */
import {
  APPROVE_OUTPUT,
  APPROVE_STEP_NAME,
  AUTOMATION_PARAMETER,
  type FinalStepStatus,
} from "../shared/ssm-automation";

export interface StepExecutionView {
  StepName?: string;
  StepStatus?: string;
  Outputs?: Record<string, string[]>;
  FailureMessage?: string;
  ExecutionEndTime?: Date;
}

export interface AutomationExecutionView {
  AutomationExecutionId?: string;
  DocumentName?: string;
  Parameters?: Record<string, string[]>;
  StepExecutions?: StepExecutionView[];
}

export type StepOutcome =
  | { kind: "decided"; decision: "approve" | "reject"; decidedBy?: string; comment?: string; decidedAt?: Date }
  | { kind: "timedOut" }
  | { kind: "cancelled" }
  /** The step failed without anyone rejecting: the channel itself broke (e.g. the notice could not be sent). */
  | { kind: "failed"; reason: string }
  /** The event says the step ended but the execution does not show it yet: try again later. */
  | { kind: "notFinal"; reason: string };

export interface ApproverDecisionEntry {
  approver?: string;
  decision: "approve" | "reject" | "unknown";
  decidedAt?: Date;
  comment?: string;
}

export function correlationIdOf(execution: AutomationExecutionView): string | undefined {
  return execution.Parameters?.[AUTOMATION_PARAMETER.correlationId]?.[0];
}

/** The principals the automation was started for (the `Approvers` parameter). */
export function approversOf(execution: AutomationExecutionView): string[] {
  return execution.Parameters?.[AUTOMATION_PARAMETER.approvers] ?? [];
}

function decisionOf(value: unknown): ApproverDecisionEntry["decision"] {
  const text = typeof value === "string" ? value.toLowerCase() : "";
  if (text.startsWith("approve")) return "approve";
  if (text.startsWith("reject")) return "reject";
  return "unknown";
}

function entryOf(map: Record<string, unknown>): ApproverDecisionEntry {
  const time = typeof map.ApprovalDecisionTime === "string" ? new Date(map.ApprovalDecisionTime) : undefined;
  const entry: ApproverDecisionEntry = { decision: decisionOf(map.Decision) };
  if (typeof map.Approver === "string" && map.Approver !== "") entry.approver = map.Approver;
  if (time && !Number.isNaN(time.getTime())) entry.decidedAt = time;
  if (typeof map.Comment === "string" && map.Comment.trim() !== "") entry.comment = map.Comment;
  return entry;
}

/** `ApproverDecisions` values: each a JSON map (or a JSON list of maps); unreadable ones are skipped. */
export function approverDecisionsOf(values: string[] | undefined): ApproverDecisionEntry[] {
  const entries: ApproverDecisionEntry[] = [];
  for (const value of values ?? []) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      continue;
    }
    for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
      if (typeof item === "object" && item !== null) entries.push(entryOf(item as Record<string, unknown>));
    }
  }
  return entries;
}

function approveStepOf(execution: AutomationExecutionView): StepExecutionView | undefined {
  return execution.StepExecutions?.find((step) => step.StepName === APPROVE_STEP_NAME);
}

export function stepOutcomeOf(execution: AutomationExecutionView, status: FinalStepStatus): StepOutcome {
  if (status === "TimedOut") return { kind: "timedOut" };
  if (status === "Cancelled") return { kind: "cancelled" };

  const step = approveStepOf(execution);
  if (step === undefined) return { kind: "notFinal", reason: `the execution shows no ${APPROVE_STEP_NAME} step yet` };
  const approvalStatus = step.Outputs?.[APPROVE_OUTPUT.approvalStatus]?.[0];
  const entries = approverDecisionsOf(step.Outputs?.[APPROVE_OUTPUT.approverDecisions]);
  const decision: "approve" | "reject" | undefined =
    approvalStatus === "Approved"
      ? "approve"
      : approvalStatus === "Rejected" || entries.some((entry) => entry.decision === "reject")
        ? "reject"
        : undefined;

  if (decision !== undefined) {
    // The decision that settled it: the last one in that direction.
    const deciding = entries.filter((entry) => entry.decision === decision).at(-1);
    const outcome: StepOutcome = { kind: "decided", decision };
    if (deciding?.approver) outcome.decidedBy = deciding.approver;
    if (deciding?.comment) outcome.comment = deciding.comment;
    const decidedAt = deciding?.decidedAt ?? step.ExecutionEndTime;
    if (decidedAt) outcome.decidedAt = decidedAt;
    return outcome;
  }
  if (status === "Failed" && step.StepStatus === "Failed") {
    return { kind: "failed", reason: step.FailureMessage ?? "the approve step failed without a decision" };
  }
  return {
    kind: "notFinal",
    reason: `step ${status} but the execution shows status ${String(step.StepStatus)}, approval ${String(approvalStatus)}`,
  };
}
