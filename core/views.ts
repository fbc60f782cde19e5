/**
 * Pure views of stored records as the shapes the workflow returns: the request summary, one
 * decision entry per approver and stage, the execution output. Optional fields are left out
 * when absent, so outputs stay minimal and compare equal in tests.
 */
import type {
  AskRecord,
  AskRef,
  DecisionEntry,
  ExecutionOutput,
  Outcome,
  RequestRecord,
  RequestSummary,
  StageOutcome,
  StageOutput,
  StageRecord,
  Vote,
} from "./model";
import { isVerdict } from "./model";
import { stageOutcomeOf } from "./quorum";
import { NOT_ASKED_REASON } from "./self-approval";

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function requestSummaryOf(record: RequestRecord): RequestSummary {
  const { requestId, subject, details, reviewUrl, requestedBy, change, openedAt, closedAt, stages } = record;
  const approvers = [...new Set(stages.flatMap((stage) => [...stage.approvers, ...stage.advisors]))];
  return withoutUndefined({
    id: requestId,
    subject,
    details,
    reviewUrl,
    requestedBy,
    change,
    approvers,
    quorum: stages.length === 1 ? stages[0].quorum : undefined,
    stages: stages.map((stage) =>
      withoutUndefined({
        name: stage.name,
        quorum: stage.quorum,
        approvers: stage.approvers,
        advisors: stage.advisors.length > 0 ? stage.advisors : undefined,
        notAsked: stage.notAsked,
      }),
    ),
    openedAt,
    closedAt,
  });
}

/** Everyone asked in a stage, voters then advisors, each in config order. */
export const membersOf = (stage: StageRecord): string[] => [...stage.approvers, ...stage.advisors];

/** One approver's line: their vote in that stage, or `none`. */
export function decisionEntryOf(
  stage: StageRecord,
  approver: string,
  vote: Vote | undefined = stage.votes[approver],
): DecisionEntry {
  const mode = stage.approvers.includes(approver) ? undefined : ("advice" as const);
  if (vote === undefined) return withoutUndefined({ stage: stage.name, approver, decision: "none" as const, mode });
  return withoutUndefined({
    stage: stage.name,
    approver,
    decision: vote.decision,
    mode,
    comment: vote.comment,
    reason: vote.reason,
    decidedAt: vote.decidedAt,
    decidedBy: vote.decidedBy,
    identity: vote.identity,
    channel: vote.channel,
  });
}

export const stageDecisionsOf = (stage: StageRecord): DecisionEntry[] => [
  ...membersOf(stage).map((approver) => decisionEntryOf(stage, approver)),
  // The requester among the approvers, not asked (core/self-approval.ts): listed, with why.
  ...(stage.notAsked ?? []).map((approver) => ({
    stage: stage.name,
    approver,
    decision: "none" as const,
    reason: NOT_ASKED_REASON,
  })),
];

/** True once any of the stage's approvers was asked. */
export const wasReached = (stage: StageRecord): boolean =>
  Object.keys(stage.asks).length > 0 || Object.keys(stage.votes).length > 0;

function stageOutcomeAt(stage: StageRecord, index: number, request: RequestRecord): StageOutcome {
  const afterTheEnd = request.endedInStage !== undefined && index > request.endedInStage;
  if (afterTheEnd || !wasReached(stage)) return "notReached";
  return stageOutcomeOf(stage) ?? "undecided";
}

export function stageOutputsOf(request: RequestRecord): StageOutput[] {
  return request.stages.map((stage, index) => ({
    name: stage.name,
    outcome: stageOutcomeAt(stage, index, request),
    quorum: stage.quorum,
    decisions: stageDecisionsOf(stage),
  }));
}

/** The execution output; `outcome` is missing only when the workflow failed before it was certain. */
export type CloseOutput = Omit<ExecutionOutput, "outcome"> & { outcome?: Outcome };

export function closeOutputOf(request: RequestRecord): CloseOutput {
  const stages = stageOutputsOf(request);
  const output: CloseOutput = {
    stages,
    decisions: stages.flatMap((stage) => stage.decisions),
    request: requestSummaryOf(request),
  };
  if (request.outcome === undefined) return output;
  const endedInStage = request.endedInStage === undefined ? undefined : request.stages[request.endedInStage]?.name;
  return endedInStage === undefined
    ? { outcome: request.outcome, ...output }
    : { outcome: request.outcome, endedInStage, ...output };
}

/** The asks whose approver has not voted in their stage: what is still waiting on someone. */
export function undecidedAsks(request: RequestRecord): (AskRef & { stage: number; approver: string })[] {
  return asksWhere(request, (vote) => vote === undefined);
}

/**
 * The asks whose approver gave no verdict (no vote, or a missed deadline, unreachable, failed):
 * a channel's own wait may outlive the workflow's (e.g. an SSM approval step with a longer
 * timeout than its stage), so closing releases these.
 */
export function unansweredAsks(request: RequestRecord): (AskRef & { stage: number; approver: string })[] {
  return asksWhere(request, (vote) => vote === undefined || !isVerdict(vote.decision));
}

function asksWhere(request: RequestRecord, keep: (vote: Vote | undefined) => boolean) {
  return request.stages.flatMap((stage, index) =>
    Object.entries(stage.asks)
      .filter(([approver]) => keep(stage.votes[approver]))
      .map(([approver, ref]) => ({ ...ref, stage: index, approver })),
  );
}

/** The ask without its task token: what callers outside the store adapter may see. */
export function withoutTaskToken(ask: AskRecord): AskRecord {
  const { taskToken: _token, ...rest } = ask;
  return rest;
}
