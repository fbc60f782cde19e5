/**
 * Step Functions error names of the workflow. A Lambda error's `name` becomes the task's error
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html), so the
 * handlers throw errors with these names and the definition's Retry and Catch match them.
 */

/** The execution input failed validation: the execution fails with it and nobody is asked. */
export const INVALID_INPUT_ERROR = "Approval.InvalidInput";

/** A stage's Parallel failed for a technical reason: the request is closed, then the execution fails. */
export const WORKFLOW_FAILED_ERROR = "Approval.WorkflowFailed";

/** Errors that end a stage's Parallel at once, because its outcome became certain. */
export const SIGNAL_ERRORS = {
  quorumReached: "Approval.QuorumReached",
  rejected: "Approval.Rejected",
  expired: "Approval.Expired",
} as const;

/** A channel could not ask this approver (after its retries): only their branch ends, as `failed`. */
export const CHANNEL_FAILED_ERROR = "Approval.ChannelFailed";
/** A channel was throttled or at a service limit: retried with backoff, then treated as CHANNEL_FAILED_ERROR. */
export const CHANNEL_THROTTLED_ERROR = "Approval.ChannelThrottled";
/** The approver cannot receive the request (no confirmed email subscription): recorded as `unreachable`. */
export const UNREACHABLE_ERROR = "Approval.Unreachable";

/** Step Functions' own error for a task that ran past TimeoutSeconds. */
export const TASK_TIMEOUT_ERROR = "States.Timeout";

/** An Error whose name Step Functions reports as the task's error. */
export class WorkflowError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}
