/**
 * The approve step failed without a decision: SSM could not run the approval (for example the
 * notice could not be published), so this approver will never be able to answer. That is a
 * technical failure, not a vote: the approver's task fails with `Approval.ChannelFailed`, which
 * the workflow treats like any other branch failure (it closes the request and ends FAILED with
 * this cause) instead of waiting days for a deadline that can only expire.
 */
import { SendTaskFailureCommand } from "@aws-sdk/client-sfn";
import type { TaskCallbackClient } from "../shared/callbacks";

export const CHANNEL_FAILED_ERROR = "Approval.ChannelFailed";

/** Step Functions' cause field holds 32,768 characters; a failure message needs far fewer. */
const MAX_CAUSE_LENGTH = 2000;

/** Step Functions errors meaning the task no longer waits for this token (as in callbacks.ts). */
const TASK_GONE = new Set(["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"]);

export async function failApproverTask(
  client: TaskCallbackClient,
  taskToken: string,
  approver: string,
  reason: string,
): Promise<"failed" | "closed"> {
  const cause = `The SSM approval of ${approver} failed: ${reason}`.slice(0, MAX_CAUSE_LENGTH);
  try {
    await client.send(new SendTaskFailureCommand({ taskToken, error: CHANNEL_FAILED_ERROR, cause }));
    return "failed";
  } catch (error) {
    if (error instanceof Error && TASK_GONE.has(error.name)) return "closed";
    // Never let a message carry the token into a log line.
    const message = error instanceof Error ? error.message.split(taskToken).join("[token]") : String(error);
    const safe = new Error(`SendTaskFailure failed: ${message}`);
    safe.name = error instanceof Error ? error.name : "Error";
    throw safe;
  }
}
