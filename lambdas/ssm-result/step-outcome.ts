/**
 * What an ended approve step means for the approver, read from GetAutomationExecution. Pure: the
 * execution is described by the few fields used (the SDK's AutomationExecution fits).
 *
 * What AWS documents, and what it does not:
 *  - step statuses: Success, Failed, TimedOut, Cancelled (also Pending, InProgress, Waiting,
 *    Cancelling before the end) https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-statuses.html
 *  - aws:approve outputs: `ApprovalStatus` (Approved | Rejected | Waiting) and `ApproverDecisions`
 *    ("a JSON map that includes the approval decision of each approver", type MapList; the SDK
 *    returns each map as a JSON string) https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-approve.html
 *  - a step that times out "returns a status of Timed Out"; StepExecution.FailureMessage "explains
 *    why" a step failed https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_StepExecution.html
 * Not documented anywhere we could find: the exact keys inside an ApproverDecisions map. The one
 * public model of the step we found, cdklabs/cdk-ssm-documents src/parent-steps/automation/
 * approve-step.ts (a local simulation of aws:approve, not the service), writes each entry as
 * `Approver`, `ApprovalStatus` ("Approve" | "Reject") and `ApprovalDecisionTime`. `Decision` and
 * `Comment` are read as well in case the service uses them (the console takes "an optional
 * comment" with Approve or Deny, per the aws:approve page above), but no source shows those keys.
 * Also undocumented: whether a rejection ends the step as Failed or with which message, and which
 * outputs remain after a timeout or cancellation. So the decision is read from every source
 * together, and the rules never invent a decision:
 *  - approve: the step succeeded, or the outputs say Approved / an approver approved;
 *  - reject: the outputs say Rejected / an approver rejected, or the step failed with a message
 *    that says it was rejected or denied;
 *  - both at once: an unknown shape (the event goes to the dead-letter queue with the reason);
 *  - Failed with no sign of a decision: the channel broke (recorded as `failed`, never as a vote);
 *  - TimedOut: the deadline passed; Cancelled: someone cancelled the automation before a decision.
 */
import {
  APPROVE_OUTPUT,
  APPROVE_STEP_NAME,
  AUTOMATION_PARAMETER,
  type FinalStepStatus,
} from "../../channels/iam/automation-contract";

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
  /** The step failed without anyone deciding: the channel itself broke (e.g. the notice could not be sent). */
  | { kind: "failed"; reason: string }
  /** The event says the step ended but the execution does not show it yet: try again later. */
  | { kind: "notFinal"; reason: string }
  /** The execution contradicts itself (or uses values never seen): to the dead-letter queue. */
  | { kind: "unknownShape"; reason: string };

export interface ApproverDecisionEntry {
  approver?: string;
  decision: "approve" | "reject" | "unknown";
  decidedAt?: Date;
  comment?: string;
}

export function correlationIdOf(execution: AutomationExecutionView): string | undefined {
  return execution.Parameters?.[AUTOMATION_PARAMETER.correlationId]?.[0];
}

function decisionOf(value: unknown): ApproverDecisionEntry["decision"] {
  const text = typeof value === "string" ? value.toLowerCase() : "";
  if (text.startsWith("approve")) return "approve";
  if (text.startsWith("reject") || text.startsWith("den")) return "reject";
  return "unknown";
}

function entryOf(map: Record<string, unknown>): ApproverDecisionEntry {
  const time = typeof map.ApprovalDecisionTime === "string" ? new Date(map.ApprovalDecisionTime) : undefined;
  const entry: ApproverDecisionEntry = { decision: decisionOf(map.Decision ?? map.ApprovalStatus) };
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

const REJECTION_MESSAGE = /\b(reject|denied|deny)/i;
const KNOWN_APPROVAL_STATUSES = new Set(["Approved", "Rejected", "Waiting"]);

function decided(
  decision: "approve" | "reject",
  entries: ApproverDecisionEntry[],
  step: StepExecutionView,
): StepOutcome {
  // The decision that settled it: the last one in that direction.
  const deciding = entries.filter((entry) => entry.decision === decision).at(-1);
  const outcome: StepOutcome = { kind: "decided", decision };
  if (deciding?.approver) outcome.decidedBy = deciding.approver;
  if (deciding?.comment) outcome.comment = deciding.comment;
  const decidedAt = deciding?.decidedAt ?? step.ExecutionEndTime;
  if (decidedAt) outcome.decidedAt = decidedAt;
  return outcome;
}

export function stepOutcomeOf(execution: AutomationExecutionView, status: FinalStepStatus): StepOutcome {
  const step = execution.StepExecutions?.find((candidate) => candidate.StepName === APPROVE_STEP_NAME);
  if (status === "TimedOut") return { kind: "timedOut" };
  if (status === "Cancelled") return { kind: "cancelled" };
  if (step === undefined) return { kind: "notFinal", reason: `the execution shows no ${APPROVE_STEP_NAME} step yet` };
  if (step.StepStatus !== status) {
    return {
      kind: "notFinal",
      reason: `the event says ${status} but the execution shows the step ${String(step.StepStatus)}`,
    };
  }
  const approvalStatus = step.Outputs?.[APPROVE_OUTPUT.approvalStatus]?.[0];
  if (approvalStatus !== undefined && !KNOWN_APPROVAL_STATUSES.has(approvalStatus)) {
    return {
      kind: "unknownShape",
      reason: `ApprovalStatus "${approvalStatus}" is none of Approved, Rejected, Waiting`,
    };
  }
  const entries = approverDecisionsOf(step.Outputs?.[APPROVE_OUTPUT.approverDecisions]);
  const approved =
    status === "Success" || approvalStatus === "Approved" || entries.some((e) => e.decision === "approve");
  const rejected =
    approvalStatus === "Rejected" ||
    entries.some((e) => e.decision === "reject") ||
    (status === "Failed" && REJECTION_MESSAGE.test(step.FailureMessage ?? ""));
  if (approved && rejected) {
    return {
      kind: "unknownShape",
      reason: `the step ended ${status} with both an approval and a rejection (ApprovalStatus ${String(approvalStatus)})`,
    };
  }
  if (approved) return decided("approve", entries, step);
  if (rejected) return decided("reject", entries, step);
  return { kind: "failed", reason: step.FailureMessage?.trim() || "the approve step failed without a decision" };
}
