/**
 * The payload contracts between the state machine and its functions, built by definition.ts and
 * read by the handlers. Typed on both sides, so a template cannot name a field a handler does not
 * expect.
 */
import type { JsonValue } from "./asl";
import type { ApproverMode, NoVerdict, RequestSummary } from "./model";
import type { SelfApproval } from "./settings";
import type { FollowUpPlan } from "./reminders";
import type { CloseOutput } from "./views";

/** A stage as open-request stores it: the layout comes from config, through the definition. */
export interface StageLayout {
  name: string;
  quorum: number;
  timeoutSeconds: number;
  approvers: string[];
  advisors: string[];
  /** Approvers who have a backup (their stage record keeps the backups' asks). */
  backups?: string[];
}

/** open-request: validates the execution input and writes the request record. */
export interface OpenRequestEvent {
  input: unknown;
  executionArn: string;
  startedAt: string;
  stages: StageLayout[];
  /** Default "deny": an approver who is the requester is not asked (core/self-approval.ts). */
  selfApproval?: SelfApproval;
  /** Approver (and backup) name → email, to recognise the requester. */
  people?: Record<string, string>;
}
export interface OpenRequestResult {
  requestId: string;
  request: RequestSummary;
}

/** The approver as the definition passes it to their channel's ask function. */
export interface ApproverRef {
  name: string;
  mode: ApproverMode;
  /** Email (link), IAM principal ARN (iam), reviewer (automated). */
  address: string;
  /** The approver's SNS topic, for channels that notify by email. */
  topicArn?: string;
  /** The channel's own settings for this approver. */
  options: { [key: string]: JsonValue };
  /** Who is asked as well once the approver has not decided for a while (channels that follow up). */
  backup?: { name: string; address: string; topicArn: string };
}

export interface StageRef {
  index: number;
  name: string;
  /** How many stages the request has ("stage 2 of 3"). */
  count: number;
}

/** A channel's ask function: `lambda:invoke.waitForTaskToken` (taskToken set) or `lambda:invoke`. */
export interface AskEvent {
  taskToken?: string;
  requestId: string;
  request: RequestSummary;
  stage: StageRef;
  approver: ApproverRef;
  timeoutSeconds: number;
  /** Set when the ask is sent again: what this wake-up does (core/reminders.ts). */
  followUp?: FollowUpPlan;
}

/** record-expiry planning the next follow-up of a waiting approver (core/reminders.ts). */
export interface FollowUpEvent {
  kind: "followUp";
  requestId: string;
  stage: number;
  approver: string;
  timeoutSeconds: number;
  remindEverySeconds?: number;
  escalateAfterSeconds?: number;
  /** The backup's name and email, to skip a backup who is the requester. */
  backup?: { name: string; email: string };
  selfApproval?: SelfApproval;
  /** The plan of the wait that just ended; at the first follow-up, the ask's error object instead. */
  previous: Partial<FollowUpPlan> | { Error: string; Cause?: string };
}

/** record-expiry: the approver's ask ended with `error` (States.Timeout, a channel error, ...). */
export interface RecordExpiryEvent {
  requestId: string;
  stage: number;
  approver: string;
  channel: string;
  /** The error the ask task failed with, as Step Functions' Catch passes it. */
  error: { Error: string; Cause?: string };
  /** Set when the channel records every no-verdict end as one kind (ChannelBranch.noVerdictAs). */
  as?: NoVerdict;
}
/** What record-expiry returns when the stage goes on (a stage-ending signal is thrown instead). */
export interface RecordExpiryResult {
  signal: "none";
  approver: string;
  decision: string;
}

/** close-request from the state machine: after the last stage, or after a technical failure. */
export interface CloseRequestEvent {
  requestId: string;
  /** "failed": a stage's Parallel failed for a technical reason. Default "completed". */
  reason?: "completed" | "failed";
}
export type CloseRequestResult = CloseOutput;
