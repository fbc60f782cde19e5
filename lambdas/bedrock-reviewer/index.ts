/**
 * bedrock-reviewer: the reviewer function this project ships. It follows the reviewer contract
 * (channels/automated/contract.ts) like a team's own reviewer function: invoked by automated-review
 * with the request, the stage and the decisions so far, plus the model and the instructions from
 * the stack's config, it asks the model through the Converse API (converse.ts) and answers
 * `{ decision, comment }`, or fails with an error whose message says why there is no answer.
 *
 * The call's deadline is the input's (the stage's timeout, capped by the ask function's own time),
 * capped again by this function's remaining time; the SDK retries throttling and transient errors
 * within it (standard retry mode). Throttling past those retries fails with
 * Approval.ChannelThrottled, so the state machine backs off and asks again.
 * Errors of Converse: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors
 */
import { ConverseCommand, type ConverseCommandOutput } from "@aws-sdk/client-bedrock-runtime";
import type { ReviewerAnswer, ReviewerInput } from "../../channels/automated/contract";
import { CHANNEL_THROTTLED_ERROR, WorkflowError } from "../../core/errors";
import { log } from "../../core/log";
import { describeError, isThrottling } from "../adapters/aws-errors";
import { bedrockClient } from "../adapters/bedrock-client";
import { answerOf, converseRequest, REVIEWER_ERROR } from "./converse";

/** Kept back from this function's own timeout, so it answers with the reason instead of being cut off. */
export const ANSWER_MARGIN_MS = 1500;

/** Transient: the model is busy or starting. Retried by the SDK, then by the state machine. */
const TRANSIENT = new Set(["ServiceUnavailableException", "ModelNotReadyException"]);

export interface ConverseClient {
  send(command: ConverseCommand, options?: { abortSignal?: AbortSignal }): Promise<ConverseCommandOutput>;
}

export async function reviewWithBedrock(
  client: ConverseClient,
  input: ReviewerInput,
  remainingMs: number,
  now: () => number = Date.now,
): Promise<ReviewerAnswer> {
  const request = converseRequest(input);
  const started = now();
  const deadline = Math.min(Date.parse(input.deadline), started + remainingMs - ANSWER_MARGIN_MS);
  const seconds = Math.max(0, Math.round((deadline - started) / 1000));
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - started));
  let output: ConverseCommandOutput;
  try {
    output = await client.send(new ConverseCommand(request), { abortSignal: controller.signal });
  } catch (error) {
    if (controller.signal.aborted)
      throw new WorkflowError(REVIEWER_ERROR.timedOut, `the model did not answer within ${seconds} s`);
    const name = (error as { name?: unknown })?.name;
    if (isThrottling(error) || (typeof name === "string" && TRANSIENT.has(name)))
      throw new WorkflowError(
        CHANNEL_THROTTLED_ERROR,
        `Bedrock stayed throttled after the SDK's retries: ${describeError(error)}`,
      );
    if (name === "ModelTimeoutException")
      throw new WorkflowError(REVIEWER_ERROR.timedOut, `Bedrock timed out the model: ${describeError(error)}`);
    throw new WorkflowError(REVIEWER_ERROR.modelFailed, `the Converse call failed: ${describeError(error)}`);
  } finally {
    clearTimeout(timer);
  }
  const fields = {
    requestId: input.request.id,
    reviewer: input.reviewer.name,
    modelId: request.modelId,
    stopReason: output.stopReason,
    inputTokens: output.usage?.inputTokens,
    outputTokens: output.usage?.outputTokens,
    latencyMs: output.metrics?.latencyMs,
  };
  try {
    const answer = answerOf(output);
    log.info("model reviewed the request", { ...fields, decision: answer.decision });
    return { decision: answer.decision, comment: answer.comment };
  } catch (error) {
    log.warn("model gave no valid answer", { ...fields, error });
    throw error;
  }
}

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

export const handler = (input: ReviewerInput, context: LambdaContext): Promise<ReviewerAnswer> =>
  reviewWithBedrock(bedrockClient(), input, context.getRemainingTimeInMillis());
