/**
 * The iam channel's contract with SSM Automation: the approval document's step and parameter
 * names, the EventBridge event SSM sends when that step changes status, and SSM's limits.
 * Pure (no AWS imports) so the Pulumi component that creates the document and the rule, the two
 * Lambdas that start and read automations, and the tests all agree on one set of names.
 */

/** The document's only step: an `aws:approve` step. */
export const APPROVE_STEP_NAME = "approve";
export const APPROVE_ACTION = "aws:approve";

/** Parameter names of the approval document (StartAutomationExecution `Parameters` keys). */
export const AUTOMATION_PARAMETER = {
  approvers: "Approvers",
  message: "Message",
  notificationArn: "NotificationArn",
  minRequiredApprovals: "MinRequiredApprovals",
  correlationId: "CorrelationId",
  assumeRole: "AutomationAssumeRole",
} as const;

/**
 * Each StartAutomationExecution parameter value holds 1 to 512 characters (which is why a task
 * token, up to 2,048 characters, can never be passed this way; only the correlation id is).
 */
export const MAX_PARAMETER_VALUE_LENGTH = 512;

/**
 * The tag every automation this stack starts carries (value: the stack's document name). The
 * roles that read and stop automations may touch only automations with this tag
 * (`aws:ResourceTag` on `automation-execution`), and starting one requires it (`aws:RequestTag`).
 * StartAutomationExecution takes at most 5 tags.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_StartAutomationExecution.html
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
 */
export const STACK_TAG_KEY = "parallel-approval:document";

export const SSM_EVENT_SOURCE = "aws.ssm";
export const STEP_STATUS_DETAIL_TYPE = "EC2 Automation Step Status-change Notification";

/**
 * The step statuses the result Lambda acts on. `TimedOut` and `Cancelled` matter as much as the
 * two decisions: without them a branch would wait for a decision that can no longer come.
 */
export const FINAL_STEP_STATUSES = ["Success", "Failed", "TimedOut", "Cancelled"] as const;
export type FinalStepStatus = (typeof FINAL_STEP_STATUSES)[number];

/**
 * The `detail` of an "EC2 Automation Step Status-change Notification", as the SSM user guide's
 * event examples show it (field names are PascalCase; times are display strings, not ISO).
 */
export interface AutomationStepStatusDetail {
  ExecutionId: string;
  /** The document name. */
  Definition: string;
  DefinitionVersion?: number;
  Status: string;
  StartTime?: string;
  EndTime?: string;
  Time?: number;
  StepName: string;
  Action: string;
}

/** The EventBridge envelope around it. */
export interface AutomationStepStatusEvent {
  version: string;
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: AutomationStepStatusDetail;
}

/** `aws:approve` output names (StepExecution.Outputs keys) and their values. */
export const APPROVE_OUTPUT = {
  approvalStatus: "ApprovalStatus",
  approverDecisions: "ApproverDecisions",
} as const;

/** One entry of `ApproverDecisions` (a JSON map per approver that decided). */
export interface ApproverDecision {
  Approver: string;
  /** "Approve" or "Reject". */
  Decision: string;
  ApprovalDecisionTime?: string;
  Comment?: string;
}
