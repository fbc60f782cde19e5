/**
 * What a reviewer's invocation means for the record, as pure functions: a verdict (an answer
 * inside the schema), `abstained` with the reason (anything else), or throttled (back off and ask
 * again; past the state machine's retries it abstains too). Nothing here can turn an error, a
 * silence or a malformed answer into an approval: the only path to a verdict is checkAnswer.
 */
import { CHANNEL_THROTTLED_ERROR } from "../../core/errors";
import { checkAnswer, type ReviewerAnswer } from "../../channels/automated/contract";
import { describeError, isThrottling, THROTTLING_ERROR_NAMES } from "../adapters/aws-errors";

export type ReviewOutcome =
  | { kind: "verdict"; answer: ReviewerAnswer }
  | { kind: "abstained"; reason: string }
  | { kind: "throttled"; reason: string };

/** What the Lambda Invoke API returned: the function's answer, or the error it ended with. */
export type Invocation =
  { kind: "answered"; payload: string } | { kind: "functionError"; errorType: string; errorMessage: string };

const firstLine = (text: string) => text.split("\n")[0].trim();

/** The outcome of an invocation that returned (with an answer or a function error). */
export function outcomeOf(invocation: Invocation): ReviewOutcome {
  if (invocation.kind === "functionError") {
    const { errorType, errorMessage } = invocation;
    if (errorType === CHANNEL_THROTTLED_ERROR || THROTTLING_ERROR_NAMES.has(errorType))
      return { kind: "throttled", reason: `the reviewer was throttled: ${errorType}: ${firstLine(errorMessage)}` };
    if (errorType === "Sandbox.Timedout")
      return { kind: "abstained", reason: `the reviewer function timed out: ${firstLine(errorMessage)}` };
    return { kind: "abstained", reason: `the reviewer failed: ${errorType}: ${firstLine(errorMessage)}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(invocation.payload);
  } catch {
    return { kind: "abstained", reason: "the reviewer's answer is not JSON" };
  }
  const checked = checkAnswer(value);
  return "answer" in checked
    ? { kind: "verdict", answer: checked.answer }
    : { kind: "abstained", reason: `the reviewer's answer is outside the schema: ${checked.problem}` };
}

/** The outcome of an invocation that did not return: our deadline, throttling, or a refusal. */
export function outcomeOfInvokeError(error: unknown, deadlinePassed: boolean, waitedSeconds: number): ReviewOutcome {
  if (deadlinePassed)
    return { kind: "abstained", reason: `the reviewer did not answer within ${waitedSeconds} s (its deadline)` };
  if (isThrottling(error))
    return { kind: "throttled", reason: `invoking the reviewer was throttled: ${describeError(error)}` };
  return { kind: "abstained", reason: `the reviewer could not be invoked: ${firstLine(describeError(error))}` };
}
