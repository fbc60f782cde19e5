/**
 * Step Functions callbacks for a recorded vote. A vote that does not end the request completes
 * its branch with SendTaskSuccess (the BranchResult); a vote that makes the outcome certain fails
 * its branch with the signal's error name, which the Parallel state catches to end at once.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { SIGNAL_ERRORS } from "../../core/errors";
import type { Signal } from "../../core/model";
import type { BranchResult, TaskCallbacks } from "../../core/ports";

/** The part of SFNClient the callbacks use, so tests can pass a fake. */
export interface TaskCallbackClient {
  send(command: SendTaskSuccessCommand | SendTaskFailureCommand): Promise<unknown>;
}

/** Step Functions errors meaning the task no longer waits for this token. */
export const TASK_GONE = new Set(["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"]);

/** A delivery failure whose message is safe to log: the task token is cut out of it. */
export class CallbackDeliveryError extends Error {
  constructor(operation: string, cause: unknown, taskToken: string) {
    const name = cause instanceof Error ? cause.name : "UnknownError";
    const detail = cause instanceof Error ? cause.message.split(taskToken).join("[token]") : String(cause);
    super(`${operation} failed: ${name}: ${detail}`);
    this.name = "CallbackDeliveryError";
  }
}

const CAUSE_OF: Record<Exclude<Signal, "none">, string> = {
  quorumReached: "approved the request: quorum reached",
  rejected: "rejected the request: quorum can no longer be reached",
  expired: "did not decide in time: quorum can no longer be reached",
};

/** The short human-readable cause sent with a terminal signal. */
export function causeOf(signal: Exclude<Signal, "none">, result: BranchResult): string {
  return `${result.approver} ${CAUSE_OF[signal]} in stage ${result.stage}`;
}

export function sfnTaskCallbacks(client: TaskCallbackClient): TaskCallbacks {
  return {
    async deliver(taskToken, signal, result) {
      const command =
        signal === "none"
          ? new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(result) })
          : new SendTaskFailureCommand({ taskToken, error: SIGNAL_ERRORS[signal], cause: causeOf(signal, result) });
      try {
        await client.send(command);
        return "delivered";
      } catch (error) {
        if (error instanceof Error && TASK_GONE.has(error.name)) return "closed";
        throw new CallbackDeliveryError(signal === "none" ? "SendTaskSuccess" : "SendTaskFailure", error, taskToken);
      }
    },
  };
}
