/**
 * What one iam approver's automation is started with: the approval document's parameters and the
 * message SSM shows the approver. Pure.
 *
 * Every parameter value is readable by anyone allowed ssm:GetAutomationExecution, so nothing
 * secret goes in: the correlation id only leads back to the ask (the task token stays in the
 * request store). SSM accepts at most 512 characters per value, so the message is built to fit:
 * the subject and deadline always, the review link only whole, the details as far as they go.
 */
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
}

/**
 * Sizes in UTF-8 bytes: never less than the character count, so a message that fits in bytes fits
 * SSM's limit however it counts.
 */
const size = utf8Bytes;

/** The longest prefix (whole code points) within `budget` UTF-8 bytes, with an ellipsis when cut. */
export const fitText = (text: string, budget: number): string => fitBytes(text, budget);

export function approvalMessage({ request, stage, approver, deadline }: MessageInput): string {
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
