/**
 * The approval workflow run locally with automated reviewers beside people: the definition built
 * with the link and automated channels' branch shapes, executed by the local runner; people's
 * tasks served by LocalApprovalWorkflow's real handlers; each automated branch served by the real
 * automated-review handler against the same store. A reviewer "function" is an in-process async
 * function behind the Lambda Invoke semantics automated-review relies on: its return value is the
 * payload (as JSON), a throw is a function error with its name as errorType, and the call is
 * abandoned at the deadline.
 */
import { automatedChannel } from "../../channels/automated/spec";
import type { ReviewerInput } from "../../channels/automated/contract";
import { linkChannel } from "../../channels/link/spec";
import { buildDefinition, type DefinitionApprover, type DefinitionStage } from "../../core/definition";
import type { RequestStore } from "../../core/ports";
import { outcomeOf, outcomeOfInvokeError } from "../../lambdas/automated-review/outcome";
import type { AskReviewer } from "../../lambdas/automated-review/invoke";
import { review } from "../../lambdas/automated-review/index";
import { runLocally, type LocalExecution } from "../../local/state-machine-runner";
import { FUNCTION_ARNS, functionArn, LocalApprovalWorkflow } from "./local-approval-workflow";

export type ReviewerFunction = (input: ReviewerInput) => Promise<unknown>;

export const REVIEW_FUNCTION_ARN = functionArn("automated-review");
export const BEDROCK_REVIEWER_ARN = functionArn("bedrock-reviewer");
export const reviewerArnOf = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:${name}`;

/** An automated approver reviewing through a team's function named `name` (its ARN from reviewerArnOf). */
export function functionReviewer(name: string, mode: "vote" | "advice" = "vote"): DefinitionApprover {
  const arn = reviewerArnOf(name);
  return { name, channel: "automated", mode, address: arn, options: { function: arn } };
}

/** An automated approver reviewing through the shipped Bedrock reviewer. */
export function bedrockReviewer(
  name: string,
  modelId: string,
  instructions: string,
  mode: "vote" | "advice" = "advice",
): DefinitionApprover {
  return { name, channel: "automated", mode, address: modelId, options: { bedrockModel: modelId, instructions } };
}

/** Lambda's synchronous Invoke, in process, for functions by ARN. */
export function inProcessReviewers(functions: Map<string, ReviewerFunction>): AskReviewer {
  return async (arn, input, deadline) => {
    const fn = functions.get(arn);
    if (fn === undefined) {
      const error = new Error(`Function not found: ${arn}`);
      error.name = "ResourceNotFoundException";
      return outcomeOfInvokeError(error, false, 0);
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timedOut">((resolve) => {
      timer = setTimeout(() => resolve("timedOut"), Math.max(0, deadline.getTime() - Date.now()));
    });
    try {
      const result = await Promise.race([fn(input), timedOut]);
      if (result === "timedOut") return outcomeOfInvokeError(new Error("aborted"), true, 0);
      return outcomeOf({ kind: "answered", payload: JSON.stringify(result ?? null) });
    } catch (error) {
      const { name, message } = error instanceof Error ? error : { name: "Error", message: String(error) };
      return outcomeOf({ kind: "functionError", errorType: name, errorMessage: message });
    } finally {
      clearTimeout(timer);
    }
  };
}

export class LocalAutomatedWorkflow {
  readonly people: LocalApprovalWorkflow;
  readonly reviewers = new Map<string, ReviewerFunction>();
  /** Every reviewer input automated-review sent, in order. */
  readonly inputs: ReviewerInput[] = [];

  /** The ask function's remaining time at each invocation (its deadline is this less the recording margin). */
  remainingMs = 60_000;

  constructor(readonly store: RequestStore) {
    this.people = new LocalApprovalWorkflow(store);
  }

  /** The team's reviewer function `name` answers with `fn`. */
  reviewer(name: string, fn: ReviewerFunction): this {
    this.reviewers.set(reviewerArnOf(name), fn);
    return this;
  }

  start(stages: DefinitionStage[], input: unknown = { subject: "Deploy v2", details: "to prod" }): LocalExecution {
    const definition = buildDefinition({
      stages,
      functions: { ...FUNCTION_ARNS, "automated-review": REVIEW_FUNCTION_ARN },
      branches: { link: linkChannel.branch, automated: automatedChannel.branch },
    });
    const askReviewer = inProcessReviewers(this.reviewers);
    const recording: AskReviewer = (arn, reviewerInput, deadline) => {
      this.inputs.push(reviewerInput);
      return askReviewer(arn, reviewerInput, deadline);
    };
    return runLocally(definition, input, {
      registry: this.people.registry,
      retryDelayMs: 0,
      invoke: (functionName, payload) =>
        functionName === REVIEW_FUNCTION_ARN
          ? review(
              { store: this.store, askReviewer: recording, bedrockReviewerArn: BEDROCK_REVIEWER_ARN },
              payload as never,
              this.remainingMs,
            )
          : this.people.invoke(functionName, payload),
    });
  }
}
