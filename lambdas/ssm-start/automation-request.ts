/**
 * What one iam approver's automation is started with: the approval document's parameters and the
 * message SSM shows the approver. Pure.
 *
 * Every parameter value is readable by anyone allowed ssm:GetAutomationExecution, so nothing
 * secret goes in: the correlation id only leads back to the ask (the task token stays in the
 * request store). SSM accepts at most 512 characters per value, so the message is built to fit:
 * the subject and deadline always, the review link only whole, then one line per automated
 * advisor's advice, then the details, each as far as it goes.
 *
 * The 512 is StartAutomationExecution's limit on a parameter value
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_StartAutomationExecution.html);
 * the aws:approve step's own `Message` input would take 4,096 characters
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-approve.html),
 * but the message reaches it through the document's parameter, so 512 is the budget.
 */
import { adviceHeadline, type AdviceEntry } from "../../core/advice";
import type { RequestSummary } from "../../core/model";
import type { ApproverRef, StageRef } from "../../core/payloads";
import { fitBytes, utf8Bytes } from "../../core/text";
import { AUTOMATION_PARAMETER as P, MAX_PARAMETER_VALUE_LENGTH } from "../../channels/iam/automation-contract";

export interface MessageInput {
  request: RequestSummary;
  stage: StageRef;
  approver: string;
  /** ISO time by which the approver must decide. */
  deadline: string;
  /** Automated advice given so far in this stage and the stages before it (core/advice.ts). */
  advice?: readonly AdviceEntry[];
}

/**
 * Sizes in UTF-8 bytes: never less than the character count, so a message that fits in bytes fits
 * SSM's limit however it counts.
 */
const size = utf8Bytes;

/** The longest prefix (whole code points) within `budget` UTF-8 bytes, with an ellipsis when cut. */
export const fitText = (text: string, budget: number): string => fitBytes(text, budget);

/** Below this many bytes an advice line says little more than its verdict. */
const MIN_ADVICE_LINE = 48;
/** At most this many bytes per advice line... */
const MAX_ADVICE_LINE = 160;
/** ...and for all of them together, so that the details keep some room. */
const MAX_ADVICE_BLOCK = 240;
const omittedNote = (count: number, shown: number) =>
  `(${count}${shown > 0 ? " more" : ""} automated review${count === 1 ? "" : "s"}: see the execution output)`;
/** The room the note takes, with its newline, for any count the message could leave out. */
const NOTE_ROOM = size(omittedNote(99, 1)) + 1;

/**
 * One line per advisor ("Automated review: reject (risk) — <reasoning>"), the reasoning cut to
 * fit, within `room` bytes (newlines included): each line gets an equal share of what is left.
 * When not every advisor can have MIN_ADVICE_LINE, those that can are shown and a note says how
 * many more are in the execution output.
 */
export function adviceMessageLines(advice: readonly AdviceEntry[], stageIndex: number, room: number): string[] {
  if (advice.length === 0) return [];
  const fitsAll = advice.length * (MIN_ADVICE_LINE + 1) <= room;
  const shown = fitsAll ? advice.length : Math.max(0, Math.floor((room - NOTE_ROOM) / (MIN_ADVICE_LINE + 1)));
  let left = fitsAll ? room : room - NOTE_ROOM;
  const lines: string[] = [];
  for (const [i, entry] of advice.slice(0, shown).entries()) {
    const share = Math.min(MAX_ADVICE_LINE, Math.floor(left / (shown - i)) - 1);
    const { verdict, text } = adviceHeadline(entry);
    const where = entry.stage === stageIndex ? entry.reviewer : `${entry.reviewer}, stage ${entry.stage + 1}`;
    const line = fitText(`${verdict} (${where})${text ? ` — ${text}` : ""}`, share);
    lines.push(line);
    left -= size(line) + 1;
  }
  if (!fitsAll && room >= NOTE_ROOM) lines.push(omittedNote(advice.length - shown, shown));
  return lines;
}

export function approvalMessage({ request, stage, approver, deadline, advice = [] }: MessageInput): string {
  const limit = MAX_PARAMETER_VALUE_LENGTH;
  const inStage = stage.count > 1 ? `, stage ${stage.index + 1} of ${stage.count}: ${stage.name}` : "";
  const footer = `Decide by ${deadline} (approver: ${approver}${inStage}): Systems Manager console > Automation > Approve/Deny, or aws ssm send-automation-signal.`;
  const lines = [fitText(`Approval requested: ${request.subject}`, 220)];
  const used = () => size([...lines, footer].join("\n"));
  // The footer (deadline, stage, where to decide) always stays whole, even with the longest names.
  if (request.requestedBy && limit - used() - 1 >= 24)
    lines.push(fitText(`Requested by: ${request.requestedBy}`, Math.min(100, limit - used() - 1)));

  // A cut URL is a broken link: the review link goes in whole or not at all.
  const review = request.reviewUrl ? `Review: ${request.reviewUrl}` : undefined;
  if (review && used() + 1 + size(review) <= limit) lines.push(review);
  lines.push(...adviceMessageLines(advice, stage.index, Math.min(MAX_ADVICE_BLOCK, limit - used())));
  if (request.details) {
    const room = limit - used() - 1;
    // Below a few words, details only add noise.
    if (room >= 24) lines.push(fitText(request.details, room));
  }
  const message = fitText([...lines, footer].join("\n"), limit);
  return message;
}

export interface ParametersInput {
  correlationId: string;
  approver: ApproverRef;
  message: string;
  automationRoleArn: string;
}

/** StartAutomationExecution `Parameters` for the approval document (see components/ssm-approval-document.ts). */
export function automationParameters({
  correlationId,
  approver,
  message,
  automationRoleArn,
}: ParametersInput): Record<string, string[]> {
  const parameters: Record<string, string[]> = {
    [P.approvers]: [approver.address],
    [P.message]: [message],
    [P.notificationArn]: [approver.topicArn ?? ""],
    [P.minRequiredApprovals]: ["1"],
    [P.correlationId]: [correlationId],
    [P.assumeRole]: [automationRoleArn],
  };
  for (const [name, [value]] of Object.entries(parameters)) {
    if (value.length === 0 || size(value) > MAX_PARAMETER_VALUE_LENGTH) {
      throw new Error(
        `automation parameter ${name} must hold 1 to ${MAX_PARAMETER_VALUE_LENGTH} characters (got ${value.length})`,
      );
    }
  }
  return parameters;
}
