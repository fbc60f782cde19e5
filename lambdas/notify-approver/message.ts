/**
 * The approval request email, as plain text. Pure, so the sandbox prints exactly what an approver
 * would receive. The message carries one link, to the approval page for this ask; the task token
 * is never part of it.
 */
import type { AdviceEntry } from "../../core/advice";
import type { RequestSummary } from "../../core/model";
import type { StageRef } from "../../core/payloads";
import { approvalLink } from "../../core/routes";
import { adviceLines } from "./advice-lines";

/** SNS rejects a Subject of 100 characters or more, or one with control or non-ASCII characters. */
export const MAX_EMAIL_SUBJECT_LENGTH = 99;
const SUBJECT_PREFIX = "Approval requested: ";

export interface ApprovalEmailInput {
  request: RequestSummary;
  stage: StageRef;
  approver: string;
  askId: string;
  /** ISO 8601 time after which the link no longer accepts a decision. */
  deadline: string;
  /** The approval endpoint's base URL (`APPROVAL_PAGE_URL`). */
  approvalPageUrl: string;
  /** Automated advice given so far in this stage and the stages before it. */
  advice?: AdviceEntry[];
  /** A reminder (the same link again): which one, and now, to say how long is left. */
  reminder?: { number: number; now: Date };
  /** The recipient is the backup of `approver` (their name), asked because the approver has not decided. */
  asBackup?: string;
}

export interface ApprovalEmail {
  subject: string;
  body: string;
}

export { approvalLink };

/** "stage 2 of 3: owners", or nothing for a single-stage request. */
export function stageLine(stage: StageRef): string | undefined {
  return stage.count > 1 ? `Stage ${stage.index + 1} of ${stage.count}: ${stage.name}` : undefined;
}

/** "2 of 3 approvers of this stage must approve." */
function quorumLine(request: RequestSummary, stage: StageRef): string {
  const layout = request.stages[stage.index];
  const voters = layout?.approvers.length ?? 0;
  const who = stage.count > 1 ? "approvers of this stage" : "approvers";
  return layout === undefined
    ? ""
    : layout.quorum === voters
      ? `All ${voters} ${who} must approve.`
      : `${layout.quorum} of ${voters} ${who} must approve.`;
}

/** An SNS-safe one-line subject: accents dropped, other non-ASCII as "?", whitespace collapsed, cut with "...". */
export function emailSubject(requestSubject: string, prefix = SUBJECT_PREFIX): string {
  const ascii = requestSubject
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]/gu, (ch) => (/\s/.test(ch) ? " " : "?"))
    .replace(/\s+/g, " ")
    .trim();
  const subject = prefix + ascii;
  return subject.length <= MAX_EMAIL_SUBJECT_LENGTH
    ? subject
    : `${subject.slice(0, MAX_EMAIL_SUBJECT_LENGTH - 3).trimEnd()}...`;
}

/** A deadline as people read it, with the exact ISO time alongside. */
export function readableDeadline(deadline: string): string {
  const date = new Date(deadline);
  return `${date.toUTCString().replace("GMT", "UTC")} (${date.toISOString()})`;
}

/** "2 days", "5 hours", "12 minutes", "less than a minute": how long is left until `deadline`. */
export function timeLeftText(deadline: string, now: Date): string {
  const minutes = Math.floor((Date.parse(deadline) - now.getTime()) / 60_000);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return plural(minutes, "minute");
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? plural(hours, "hour") : plural(Math.floor(hours / 24), "day");
}

/** The opening lines: who is asked, and for a reminder or a backup, why this email comes now. */
function opening(input: ApprovalEmailInput): string[] {
  const { approver, asBackup, reminder, deadline } = input;
  const left = reminder === undefined ? [] : [`You have ${timeLeftText(deadline, reminder.now)} left to decide.`];
  if (asBackup !== undefined) {
    return [
      `${reminder === undefined ? "Your" : "Reminder: your"} approval is requested as the backup of approver "${approver}", who has not decided yet.`,
      `Whoever of you decides first decides for ${approver}.`,
      ...left,
    ];
  }
  if (reminder !== undefined)
    return [
      `Reminder: your approval is still needed, as approver "${approver}". This is the same link as before.`,
      ...left,
    ];
  return [`Your approval is requested, as approver "${approver}".`];
}

function subjectPrefix(input: ApprovalEmailInput): string {
  if (input.reminder !== undefined) return `Reminder: ${SUBJECT_PREFIX}`;
  return input.asBackup === undefined ? SUBJECT_PREFIX : "Approval requested (as backup): ";
}

export function composeApprovalEmail(input: ApprovalEmailInput): ApprovalEmail {
  const { request, stage, askId, deadline, approvalPageUrl } = input;
  const lines: string[] = [...opening(input), "", `Subject:      ${request.subject}`];
  const inStage = stageLine(stage);
  if (inStage !== undefined) lines.push(`Stage:        ${inStage.replace(/^Stage /, "")}`);
  if (request.requestedBy !== undefined) lines.push(`Requested by: ${request.requestedBy}`);
  if (request.reviewUrl !== undefined) lines.push(`Review:       ${request.reviewUrl}`);
  lines.push(`Decide by:    ${readableDeadline(deadline)}`);
  if (request.details !== undefined && request.details.trim() !== "") lines.push("", "Details:", request.details);
  lines.push(...adviceLines(input.advice, stage.index));
  lines.push(
    "",
    "To approve or reject, open:",
    approvalLink(approvalPageUrl, askId),
    "",
    "Opening the page decides nothing: it shows the request and asks you to choose.",
    "The link is personal: anyone who has it can decide in your name, so do not forward this message.",
    "",
    `Request ${request.id}. ${quorumLine(request, stage)}`,
  );
  return { subject: emailSubject(request.subject, subjectPrefix(input)), body: lines.join("\n") };
}
