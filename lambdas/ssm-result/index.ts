/**
 * ssm-result (iam channel): invoked by EventBridge when the approve step of one of this stack's
 * automations ends. Reads the execution through the SSM API (the event says only that the step
 * ended), finds the ask by the correlation id the automation was started with, and records the
 * outcome through the same decision recorder as the approval page:
 *   approved / rejected (step-outcome.ts) → the approver's vote, decided by the principal SSM reports;
 *   TimedOut  → expired, as the state machine's own timer would record it;
 *   Cancelled → failed ("the automation was cancelled"), unless the request already closed;
 *   Failed with no sign of a decision → failed, with SSM's failure message.
 *
 * Only the automation ssm-start recorded for the ask counts, so an automation someone else
 * started with a copied correlation id decides nothing. Events that can never apply (another
 * document, an unknown execution, no correlation id) are logged and ignored; duplicates find the
 * vote already there. Failures that may pass (throttling, a callback not delivered, SSM not
 * showing the end yet) and executions of a shape never seen throw, so Lambda retries the event
 * (twice, over about three minutes) and then sends it to the dead-letter queue; the log line says why.
 */
import { isWellFormedId } from "../../core/ids";
import { log } from "../../core/log";
import type { AskRecord } from "../../core/model";
import { recordDecision, recordNoVerdictForAsk, type RecorderDeps } from "../../core/recorder";
import { ENV, requireEnv } from "../../core/environment";
import { sfnTaskCallbacks } from "../adapters/callbacks";
import { sfnClient } from "../adapters/sfn-client";
import { ssmAutomations } from "../adapters/ssm-automations";
import { ssmClient } from "../adapters/ssm-client";
import { requestStoreFromEnv } from "../adapters/store";
import { parseStepStatusEvent } from "./parse-automation-event";
import { correlationIdOf, stepOutcomeOf, type AutomationExecutionView, type StepOutcome } from "./step-outcome";
// The kind alone, not spec.ts: the spec would bundle zod and the config rules into this handler.
import { IAM } from "../../channels/iam/kind";

export interface SsmResultDeps extends RecorderDeps {
  automations: { get(automationExecutionId: string): Promise<AutomationExecutionView | undefined> };
  /** This stack's approval document. */
  documentName: string;
}

export type SsmResultOutcome =
  | { handled: "ignored"; reason: string }
  | { handled: "decision"; outcome: string }
  | { handled: "noVerdict"; decision: string; recorded: boolean };

/** The event cannot be applied yet, or not at all without a person: thrown so it is retried, then dead-lettered. */
export class RetryLaterError extends Error {
  constructor(message: string, name = "Approval.RetryLater") {
    super(message);
    this.name = name;
  }
}

/** The ask this event is about, or why it is ignored. */
async function askOf(
  deps: SsmResultDeps,
  executionId: string,
  execution: AutomationExecutionView,
): Promise<AskRecord | string> {
  if (execution.DocumentName !== deps.documentName) return "automation of another document";
  const correlationId = correlationIdOf(execution);
  if (!isWellFormedId(correlationId)) return "the automation has no correlation id";
  const ask = await deps.store.getAsk(correlationId);
  if (ask === undefined) return "no ask has this correlation id";
  if (ask.channel !== IAM) return "the correlation id is not an iam ask";
  if (ask.automationExecutionId === undefined) {
    const request = await deps.store.getRequest(ask.requestId);
    // ssm-start records the execution right after starting it; an approver is rarely faster.
    if (request?.status === "open")
      throw new RetryLaterError(`automation ${executionId} ended before it was recorded for its ask`);
    return "the automation was never recorded and the request is closed";
  }
  // The store keys an ask by its id (`ask#<id>`) without repeating it in the item: the id is the correlation id.
  return ask.automationExecutionId === executionId
    ? { ...ask, askId: correlationId }
    : "not the automation started for this ask (an earlier attempt, or a copy)";
}

async function apply(
  deps: SsmResultDeps,
  ask: AskRecord,
  outcome: Exclude<StepOutcome, { kind: "notFinal" | "unknownShape" }>,
): Promise<SsmResultOutcome> {
  if (outcome.kind === "decided") {
    const { decidedAt } = outcome;
    // Judged at the moment the approver decided, not when this event arrived (it may be a retry).
    const result = await recordDecision(
      { ...deps, now: decidedAt ? () => decidedAt : deps.now },
      {
        askId: ask.askId,
        decision: outcome.decision,
        comment: outcome.comment,
        decidedBy: outcome.decidedBy ?? ask.address,
        channel: IAM,
      },
    );
    const pending =
      (result.kind === "recorded" && result.delivery === "pending") ||
      (result.kind === "refused" &&
        result.request.status === "open" &&
        result.request.stages[ask.stage].votes[ask.approver]?.pendingSignal !== undefined);
    if (pending)
      throw new RetryLaterError(`callback for ${ask.approver} not delivered yet`, "Approval.CallbackPending");
    return { handled: "decision", outcome: result.kind === "refused" ? `refused: ${result.why.kind}` : result.kind };
  }
  const noVerdict =
    outcome.kind === "timedOut"
      ? {
          decision: "expired" as const,
          reason: "the SSM approval timed out",
          decidedBy: "deadline",
          channel: "deadline",
        }
      : outcome.kind === "cancelled"
        ? {
            decision: "failed" as const,
            reason: "the SSM automation was cancelled before a decision",
            decidedBy: "workflow",
            channel: IAM,
          }
        : {
            decision: "failed" as const,
            reason: `the SSM approval failed: ${outcome.reason}`,
            decidedBy: "workflow",
            channel: IAM,
          };
  const result = await recordNoVerdictForAsk(deps, ask, noVerdict);
  if (result.delivery === "pending")
    throw new RetryLaterError(`callback for ${ask.approver} not delivered yet`, "Approval.CallbackPending");
  if (noVerdict.decision === "failed" && result.recorded)
    log.error("iam approval ended without a decision", {
      requestId: ask.requestId,
      approver: ask.approver,
      reason: noVerdict.reason,
    });
  return { handled: "noVerdict", decision: noVerdict.decision, recorded: result.recorded };
}

export async function recordAutomationResult(deps: SsmResultDeps, event: unknown): Promise<SsmResultOutcome> {
  const ignore = (reason: string, fields: Record<string, unknown> = {}): SsmResultOutcome => {
    log.warn("automation event ignored", { reason, ...fields });
    return { handled: "ignored", reason };
  };
  const parsed = parseStepStatusEvent(event);
  if (parsed.kind === "ignored") return ignore(parsed.reason);
  const { executionId, status } = parsed;
  if (parsed.documentName !== deps.documentName)
    return ignore("automation of another document", { executionId, document: parsed.documentName });
  const execution = await deps.automations.get(executionId);
  if (execution === undefined) return ignore("unknown automation execution", { executionId });
  const ask = await askOf(deps, executionId, execution);
  if (typeof ask === "string") return ignore(ask, { executionId });

  const fields = { executionId, status, requestId: ask.requestId, stage: ask.stage, approver: ask.approver };
  const outcome = stepOutcomeOf(execution, status);
  if (outcome.kind === "notFinal") throw new RetryLaterError(`automation ${executionId}: ${outcome.reason}`);
  if (outcome.kind === "unknownShape") {
    log.error("automation result of an unknown shape; sent to the dead-letter queue after retries, nothing recorded", {
      ...fields,
      reason: outcome.reason,
    });
    throw new RetryLaterError(`automation ${executionId}: ${outcome.reason}`, "Approval.UnknownAutomationResult");
  }
  const result = await apply(deps, ask, outcome);
  log.info("automation result handled", { ...fields, ...result });
  return result;
}

/** The container's clients (created once per container), with this function's environment. */
function defaultDeps(): SsmResultDeps {
  return {
    store: requestStoreFromEnv(),
    callbacks: sfnTaskCallbacks(sfnClient()),
    automations: ssmAutomations(ssmClient()),
    documentName: requireEnv(ENV.automationDocumentName),
  };
}

export const handler = (event: unknown): Promise<SsmResultOutcome> => recordAutomationResult(defaultDeps(), event);
