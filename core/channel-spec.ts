/**
 * What a channel (one way of asking an approver) tells the pure parts of the program: how its
 * approvers are written in stack config, its limits, how the state machine asks through it, how
 * an ask that ended without a verdict is recorded, and which functions it adds. Each channel's
 * `spec.ts` implements this; channels/registry.ts lists them. Core never names a channel.
 */
import type { z } from "zod";
import type { AslRetrier } from "./asl";
import { CHANNEL_FAILED_ERROR, CHANNEL_THROTTLED_ERROR, TASK_TIMEOUT_ERROR, UNREACHABLE_ERROR } from "./errors";
import type { NoVerdict } from "./model";
import { NOT_ASKED_ERROR } from "./self-approval";
import { WAIT_OVER_ERROR } from "./reminders";
import type { ApproverSettings } from "./settings";
import type { FunctionSpec } from "./topology";

export interface ChannelBranch {
  /**
   * `taskToken`: the ask function stores the token and returns; a decision arrives later
   * (`lambda:invoke.waitForTaskToken`). `result`: the ask function decides itself and returns.
   */
  wait: "taskToken" | "result";
  /** The topology key of the function the branch invokes. */
  askFunction: string;
  /** Errors of the ask task that end the approver's part without a verdict (see `noVerdictOf`). */
  noVerdictErrors: readonly string[];
  /** Retriers of the ask task beyond the Lambda service retries every task has. */
  retry?: readonly AslRetrier[];
  /** Records every no-verdict end of this channel's asks as this kind (e.g. `abstained`); default: by error. */
  noVerdictAs?: NoVerdict;
  /** The ask function can ask again behind the same ask id: reminders and backups (core/reminders.ts). */
  followUp?: boolean;
}

export interface ChannelSpec<Entry = unknown> {
  kind: string;
  /** The keys that make a config entry this channel's (`iamPrincipal`, `reviewer`); none for the default. */
  markerKeys: readonly string[];
  /** The fields an entry of this channel has, for error messages ("name, email and optionally iamPrincipal"). */
  fields: string;
  /** Validates one approver entry (a strict object: unknown keys are errors). */
  schema: z.ZodType<Entry>;
  toApprover(entry: Entry): ApproverSettings;
  /** The longest a stage may wait when it has an approver of this channel, and why. */
  maxTimeoutSeconds: number;
  maxTimeoutReason: string;
  /** Whether approvers of this channel get an SNS topic with their email subscribed. */
  notifiesByEmail: boolean;
  branch: ChannelBranch;
  /** The functions this channel adds to the topology (its ask function among them). */
  functions: readonly FunctionSpec[];
}

/**
 * A Lambda function's error reaches a Catch with Cause set to the error as JSON
 * (`{"errorType", "errorMessage", "trace"}`); the reason kept is its message, not that document.
 * https://docs.aws.amazon.com/step-functions/latest/dg/tutorial-handling-error-conditions.html
 */
function messageOf(cause: string | undefined): string | undefined {
  try {
    const parsed: unknown = JSON.parse(cause ?? "");
    const message = (parsed as { errorMessage?: unknown } | null)?.errorMessage;
    if (typeof message === "string") return message;
  } catch {
    // Not JSON: a cause written by Step Functions itself or by SendTaskFailure.
  }
  return cause;
}

const firstLine = (cause: string | undefined, fallback: string) => {
  const line = messageOf(cause)?.split("\n")[0].trim();
  return line ? line : fallback;
};

/**
 * What an ask that ended without a verdict means: the deadline passed, the approver could not be
 * reached, or the channel broke (the error's cause says how). A channel may record all of them as
 * one kind (`as`), keeping the reason.
 */
export function noVerdictOf(
  error: string,
  cause: string | undefined,
  as?: NoVerdict,
): { decision: NoVerdict; reason: string } {
  const usual = usualNoVerdict(error, cause);
  return as === undefined ? usual : { decision: as, reason: usual.reason };
}

function usualNoVerdict(error: string, cause: string | undefined): { decision: NoVerdict; reason: string } {
  if (error === TASK_TIMEOUT_ERROR || error === WAIT_OVER_ERROR)
    return { decision: "expired", reason: "the deadline passed without a decision" };
  if (error === UNREACHABLE_ERROR)
    return { decision: "unreachable", reason: firstLine(cause, "the approver could not be sent the request") };
  if (error === CHANNEL_THROTTLED_ERROR) {
    return { decision: "failed", reason: `the channel stayed throttled after every retry: ${firstLine(cause, error)}` };
  }
  return { decision: "failed", reason: firstLine(cause, `the channel failed with ${error}`) };
}

/** The errors a waiting channel's ask may end with besides a decision. */
export const USUAL_NO_VERDICT_ERRORS = [
  TASK_TIMEOUT_ERROR,
  // The approver is the requester and self-approval is denied: their part ends, nothing recorded.
  NOT_ASKED_ERROR,
  UNREACHABLE_ERROR,
  CHANNEL_FAILED_ERROR,
  CHANNEL_THROTTLED_ERROR,
];

/**
 * A throttled or limited channel backs off before its approver counts as failed: 7 retries (8
 * attempts), waits of at most 5, 10, 20, 40, 80, 160 and 300 s, so at most about 10 minutes in
 * all; full jitter draws each wait between 0 and that, so usually about half.
 */
export const CHANNEL_THROTTLED_RETRY: AslRetrier = {
  ErrorEquals: [CHANNEL_THROTTLED_ERROR],
  IntervalSeconds: 5,
  MaxAttempts: 7,
  BackoffRate: 2,
  MaxDelaySeconds: 300,
  JitterStrategy: "FULL",
};
