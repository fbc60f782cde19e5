/**
 * ssm-result (iam channel): invoked by EventBridge when the approve step of one of this stack's
 * automations ends. Reads the execution through the SSM API (the event says only that the step
 * ended), finds the ask by the correlation id the automation was started with, and records the
 * outcome through the same decision recorder as the approval page:
 *   Approved / Rejected → the approver's vote, decided by the IAM principal SSM reports;
 *   TimedOut            → expired (as the state machine's own timer would record it);
 *   Cancelled           → expired, unless the request already closed (closing cancels them);
 *   Failed, no decision → the approver's task fails (a technical failure of the channel).
 *
 * Only the automation ssm-start recorded for the ask counts, so an automation someone else started
 * with a copied correlation id decides nothing. Events that can never apply (another document, an
 * unknown execution, no correlation id) are logged and ignored; duplicates find the vote already
 * there. Failures that may pass (throttling, a callback not delivered, SSM not showing the end
 * yet) throw, so Lambda retries the event and finally sends it to the dead-letter queue.
 */
import { sfnVoteCallbacks, type TaskCallbackClient } from "../shared/callbacks";
import { sfnClient, ssmClient } from "../shared/clients";
import { ssmAutomations, type Automations } from "../shared/automations";
import { isWellFormedId } from "../shared/ids";
import { log } from "../shared/log";
import { recordDecision, type RecorderDeps, type RecordOutcome } from "../shared/recorder";
import { requestStoreFromEnv } from "../shared/store";
import { failApproverTask } from "./fail-task";
import { parseStepStatusEvent } from "./parse-automation-event";
import { PendingCallbackError, recordChannelExpiry, type ChannelExpiryOutcome } from "./record-channel-expiry";
import { correlationIdOf, stepOutcomeOf, type AutomationExecutionView } from "./step-outcome";

export interface SsmResultDeps extends RecorderDeps {
  automations: { get(automationExecutionId: string): Promise<AutomationExecutionView | undefined> };
  /** Fails an approver's task when the channel broke. */
  tasks: TaskCallbackClient;
  /** This stack's approval document. */
  documentName: string;
}

export type SsmResultOutcome =
  | { handled: "ignored"; reason: string }
  | { handled: "decision"; outcome: RecordOutcome["kind"] }
  | { handled: "expiry"; outcome: ChannelExpiryOutcome["kind"] }
  | { handled: "channelFailed"; outcome: "failed" | "closed" | "alreadySettled" };

/** The event cannot be applied yet but will be: thrown so that it is retried. */
export class RetryLaterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Approval.RetryLater";
  }
}

/** What `decidedBy` says when an automation was cancelled before the approver decided. */
export const CANCELLED_BY = "automation cancelled";

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
  if (execution.DocumentName !== deps.documentName)
    return ignore("automation of another document", { executionId, document: execution.DocumentName });
  const correlationId = correlationIdOf(execution);
  if (!isWellFormedId(correlationId)) return ignore("the automation has no correlation id", { executionId });

  const ask = await deps.store.getAsk(correlationId);
  if (ask === undefined) return ignore("no ask has this correlation id", { executionId });
  const fields = { executionId, status, requestId: ask.requestId, approver: ask.approver };
  if (ask.channel !== "iam") return ignore("the correlation id is not an iam ask", fields);
  if (ask.automationExecutionId === undefined) {
    const request = await deps.store.getRequest(ask.requestId);
    // ssm-start records the execution right after starting it; an approver is rarely faster.
    if (request?.status === "open")
      throw new RetryLaterError(`automation ${executionId} ended before it was recorded for its ask`);
    return ignore("the automation was never recorded and the request is closed", fields);
  }
  if (ask.automationExecutionId !== executionId) return ignore("not the automation started for this ask", fields);

  const outcome = stepOutcomeOf(execution, status);
  switch (outcome.kind) {
    case "notFinal":
      throw new RetryLaterError(`automation ${executionId}: ${outcome.reason}`);

    case "decided": {
      const { decidedAt } = outcome;
      // Judged at the moment the approver decided, not when this event arrived (it may be a retry).
      const recorderDeps: RecorderDeps = {
        store: deps.store,
        callbacks: deps.callbacks,
        now: decidedAt ? () => decidedAt : deps.now,
      };
      const result = await recordDecision(recorderDeps, {
        askId: ask.askId,
        decision: outcome.decision,
        comment: outcome.comment,
        decidedBy: outcome.decidedBy ?? ask.address,
        channel: "iam",
      });
      const pending =
        (result.kind === "recorded" && result.delivery === "pending") ||
        (result.kind === "duplicate" && result.vote.pendingSignal !== undefined && result.request.status === "open");
      if (pending)
        throw new PendingCallbackError(ask.requestId, ask.approver, "Step Functions did not take the callback");
      log.info("automation decision handled", { ...fields, decision: outcome.decision, outcome: result.kind });
      return { handled: "decision", outcome: result.kind };
    }

    case "timedOut":
    case "cancelled": {
      const result = await recordChannelExpiry(
        deps,
        outcome.kind === "timedOut"
          ? { askId: ask.askId, decidedBy: "deadline", channel: "deadline" }
          : { askId: ask.askId, decidedBy: CANCELLED_BY, channel: "iam" },
      );
      log.info("automation expiry handled", { ...fields, outcome: result.kind });
      return { handled: "expiry", outcome: result.kind };
    }

    case "failed": {
      const request = await deps.store.getRequest(ask.requestId);
      if (
        request === undefined ||
        request.status !== "open" ||
        request.votes[ask.approver] !== undefined ||
        ask.taskToken === undefined
      ) {
        log.warn("approve step failed after the approver's part was settled", { ...fields, reason: outcome.reason });
        return { handled: "channelFailed", outcome: "alreadySettled" };
      }
      const result = await failApproverTask(deps.tasks, ask.taskToken, ask.approver, outcome.reason);
      log.error("iam approval failed without a decision", { ...fields, reason: outcome.reason, outcome: result });
      return { handled: "channelFailed", outcome: result };
    }
  }
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** The container's clients (created once per container), with this function's environment. */
function defaultDeps(): SsmResultDeps {
  const automations: Automations = ssmAutomations(ssmClient());
  return {
    store: requestStoreFromEnv(),
    callbacks: sfnVoteCallbacks(sfnClient()),
    tasks: sfnClient(),
    automations,
    documentName: requiredEnv("AUTOMATION_DOCUMENT_NAME"),
  };
}

export const handler = (event: unknown): Promise<SsmResultOutcome> => recordAutomationResult(defaultDeps(), event);
