/**
 * automated-review (the automated channel's ask function): asks one automated reviewer about one
 * request and records what it says. The state machine invokes it with a plain `lambda:invoke`
 * and waits for it to return; there is no task token.
 *
 *  1. Reads the request: the decisions so far go to the reviewer with the request and the stage
 *     (the reviewer contract, channels/automated/contract.ts). A reviewer already recorded in this
 *     stage (a retried task) is not asked again.
 *  2. Invokes the reviewer (the team's function, or the shipped Bedrock reviewer) and waits until
 *     the deadline: the stage's timeout, capped by this function's own remaining time.
 *  3. An answer inside the schema is recorded as the reviewer's vote (counted in `vote` mode,
 *     shown as advice otherwise); anything else is recorded `abstained` with the reason. Throttling
 *     fails the task with Approval.ChannelThrottled, which the state machine retries with backoff
 *     (and records as abstained past its retries).
 *  4. When the vote settles the stage, raises the stage-ending signal, as record-expiry does.
 */
import { AUTOMATED, reviewerAddressOf, type ReviewerOptions } from "../../channels/automated/spec";
import {
  priorDecisionsOf,
  REVIEWER_CONTRACT,
  requestForReviewer,
  type ReviewerInput,
} from "../../channels/automated/contract";
import { ENV } from "../../core/environment";
import { CHANNEL_THROTTLED_ERROR, SIGNAL_ERRORS, WorkflowError } from "../../core/errors";
import { log } from "../../core/log";
import type { RequestRecord, Signal } from "../../core/model";
import type { AskEvent } from "../../core/payloads";
import type { RequestStore } from "../../core/ports";
import { earlierAnswer, recordNoVerdict, RequestNotFoundError, type NoVerdictResult } from "../../core/recorder";
import { recordVerdict } from "../../core/review-recorder";
import { stageDecisionsOf } from "../../core/views";
import { lambdaClient } from "../adapters/lambda-client";
import { requestStoreFromEnv } from "../adapters/store";
import { lambdaReviewer, type AskReviewer } from "./invoke";
import type { ReviewOutcome } from "./outcome";

/** Kept back from the function's own timeout, to record the outcome after the reviewer's deadline. */
export const RECORDING_MARGIN_MS = 3000;

export interface ReviewDeps {
  store: RequestStore;
  askReviewer: AskReviewer;
  /** The shipped Bedrock reviewer's ARN; undefined when the stack has no Bedrock reviewer. */
  bedrockReviewerArn?: string;
  now?: () => Date;
}

export type ReviewResult =
  | { reviewed: true; approver: string; decision: string; signal: "none" }
  | { reviewed: false; approver: string; reason: "requestNotOpen" | "alreadyDecided" };

const CAUSES: Record<Exclude<Signal, "none">, string> = {
  quorumReached: "the quorum is reached",
  rejected: "the stage can no longer be approved and someone rejected it",
  expired: "the stage can no longer be approved: too many approvers gave no verdict",
};

function signalError(approver: string, decision: string, signal: Exclude<Signal, "none">): WorkflowError {
  return new WorkflowError(
    SIGNAL_ERRORS[signal],
    `automated reviewer ${approver} decided ${decision}; ${CAUSES[signal]}`,
  );
}

/** The reviewer's input: the request, its stage, and every decision recorded so far. */
export function reviewerInputOf(event: AskEvent, record: RequestRecord, deadline: Date): ReviewerInput {
  const { stage, approver } = event;
  const options = approver.options as ReviewerOptions;
  // Every decision so far, stage by stage, each stage's in the order they were made.
  const decisions = record.stages
    .slice(0, stage.index + 1)
    .flatMap((s) =>
      priorDecisionsOf(stageDecisionsOf(s)).sort((a, b) => (a.decidedAt ?? "").localeCompare(b.decidedAt ?? "")),
    );
  const input: ReviewerInput = {
    contract: REVIEWER_CONTRACT,
    reviewer: { name: approver.name, mode: approver.mode },
    request: requestForReviewer(event.request),
    stage: { index: stage.index, name: stage.name, count: stage.count, quorum: record.stages[stage.index].quorum },
    decisions,
    deadline: deadline.toISOString(),
  };
  if ("bedrockModel" in options) input.bedrock = { modelId: options.bedrockModel, instructions: options.instructions };
  return input;
}

async function ask(deps: ReviewDeps, event: AskEvent, input: ReviewerInput, deadline: Date): Promise<ReviewOutcome> {
  const options = event.approver.options as ReviewerOptions;
  const target = "function" in options ? options.function : deps.bedrockReviewerArn;
  if (target === undefined || target === "")
    return { kind: "abstained", reason: "this stack has no Bedrock reviewer function (a deployment bug)" };
  return deps.askReviewer(target, input, deadline);
}

export async function review(deps: ReviewDeps, event: AskEvent, remainingMs: number): Promise<ReviewResult> {
  const { requestId, approver, stage } = event;
  const fields = { requestId, stage: stage.name, approver: approver.name };
  const target = { requestId, stage: stage.index, approver: approver.name };
  const record = await deps.store.getRequest(requestId);
  if (record === undefined) throw new RequestNotFoundError(requestId);
  if (record.status !== "open") {
    log.warn("request no longer open; reviewer not asked", fields);
    return { reviewed: false, approver: approver.name, reason: "requestNotOpen" };
  }
  const earlier = await earlierAnswer(deps, record, target);
  if (earlier !== undefined) {
    // A retried task: the reviewer was recorded before. Its signal, if any, is raised again.
    if (earlier.signal !== "none")
      throw signalError(approver.name, earlier.vote?.decision ?? "earlier", earlier.signal);
    return { reviewed: false, approver: approver.name, reason: "alreadyDecided" };
  }

  const now = deps.now?.() ?? new Date();
  const waitMs = Math.max(0, Math.min(event.timeoutSeconds * 1000, remainingMs - RECORDING_MARGIN_MS));
  const deadline = new Date(now.getTime() + waitMs);
  const outcome = await ask(deps, event, reviewerInputOf(event, record, deadline), deadline);
  if (outcome.kind === "throttled") {
    log.warn("reviewer throttled; the state machine retries", { ...fields, reason: outcome.reason });
    throw new WorkflowError(CHANNEL_THROTTLED_ERROR, outcome.reason);
  }
  const decidedBy = reviewerAddressOf(event.approver.options as ReviewerOptions);
  let result: NoVerdictResult;
  if (outcome.kind === "verdict") {
    result = await recordVerdict(deps, { ...target, ...outcome.answer, decidedBy, channel: AUTOMATED });
  } else {
    log.warn("reviewer abstained", { ...fields, reason: outcome.reason });
    result = await recordNoVerdict(deps, {
      ...target,
      decision: "abstained",
      reason: outcome.reason,
      decidedBy,
      channel: AUTOMATED,
    });
  }
  const decision = result.vote?.decision ?? "none";
  if (result.signal !== "none") throw signalError(approver.name, decision, result.signal);
  return { reviewed: true, approver: approver.name, decision, signal: "none" };
}

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

export const handler = (event: AskEvent, context: LambdaContext): Promise<ReviewResult> => {
  const arn = process.env[ENV.bedrockReviewerFunction];
  return review(
    {
      store: requestStoreFromEnv(),
      askReviewer: lambdaReviewer(lambdaClient),
      bedrockReviewerArn: arn === undefined || arn === "" ? undefined : arn,
    },
    event,
    context.getRemainingTimeInMillis(),
  );
};
