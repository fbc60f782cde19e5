/**
 * Invokes a reviewer function synchronously (`RequestResponse`) and waits for it until the
 * deadline, no longer: at the deadline the call is aborted (the SDK's `abortSignal`) and the
 * reviewer counts as not having answered. A function that throws comes back as a 200 with
 * `FunctionError` set and `{ errorType, errorMessage }` as the payload.
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
import { InvokeCommand, type InvokeCommandOutput } from "@aws-sdk/client-lambda";
import type { ReviewerInput } from "../../channels/automated/contract";
import { outcomeOf, outcomeOfInvokeError, type Invocation, type ReviewOutcome } from "./outcome";

export interface InvokeClient {
  send(command: InvokeCommand, options?: { abortSignal?: AbortSignal }): Promise<InvokeCommandOutput>;
}

export type AskReviewer = (functionArn: string, input: ReviewerInput, deadline: Date) => Promise<ReviewOutcome>;

function invocationOf(output: InvokeCommandOutput): Invocation {
  const payload = Buffer.from(output.Payload ?? new Uint8Array()).toString("utf8");
  if (output.FunctionError === undefined) return { kind: "answered", payload };
  try {
    const error = JSON.parse(payload) as { errorType?: unknown; errorMessage?: unknown };
    return {
      kind: "functionError",
      errorType: typeof error.errorType === "string" ? error.errorType : output.FunctionError,
      errorMessage: typeof error.errorMessage === "string" ? error.errorMessage : "",
    };
  } catch {
    return { kind: "functionError", errorType: output.FunctionError, errorMessage: payload.slice(0, 200) };
  }
}

export function lambdaReviewer(client: () => InvokeClient, now: () => number = Date.now): AskReviewer {
  return async (functionArn, input, deadline) => {
    const started = now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadline.getTime() - started));
    try {
      const output = await client().send(
        new InvokeCommand({
          FunctionName: functionArn,
          InvocationType: "RequestResponse",
          Payload: Buffer.from(JSON.stringify(input)),
        }),
        { abortSignal: controller.signal },
      );
      return outcomeOf(invocationOf(output));
    } catch (error) {
      const waited = Math.round((deadline.getTime() - started) / 1000);
      return outcomeOfInvokeError(error, controller.signal.aborted, waited);
    } finally {
      clearTimeout(timer);
    }
  };
}
