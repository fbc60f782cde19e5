/**
 * Pure views of stored records as the shapes the workflow returns: the request summary, one
 * decision entry per approver, the branch result of a vote. Optional fields are left out when
 * absent, so outputs stay minimal and compare equal in tests.
 */
import type { AskRecord, AskRef, BranchResult, DecisionEntry, RequestRecord, RequestSummary, Vote } from "./model";
import type { QuorumRule, VoteCounts } from "./quorum";

export function requestSummaryOf(record: RequestRecord): RequestSummary {
  const { requestId, subject, details, reviewUrl, requestedBy, approvers, quorum, openedAt, closedAt } = record;
  return withoutUndefined({
    id: requestId,
    subject,
    details,
    reviewUrl,
    requestedBy,
    approvers,
    quorum,
    openedAt,
    closedAt,
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** What SendTaskSuccess hands back to the approver's branch. */
export function branchResultOf(approver: string, vote: Vote): BranchResult {
  const result: BranchResult = {
    approver,
    decision: vote.decision,
    decidedAt: vote.decidedAt,
    decidedBy: vote.decidedBy,
    channel: vote.channel,
  };
  if (vote.comment !== undefined) result.comment = vote.comment;
  return result;
}

/** The approver's line in the execution output; `none` when they never decided. */
export function decisionEntryOf(approver: string, vote: Vote | undefined): DecisionEntry {
  return vote === undefined ? { approver, decision: "none" } : branchResultOf(approver, vote);
}

/** One entry per approver, in config order (the order of `record.approvers`). */
export function decisionEntriesOf(record: RequestRecord): DecisionEntry[] {
  return record.approvers.map((approver) => decisionEntryOf(approver, record.votes[approver]));
}

export function countsOf(record: RequestRecord): VoteCounts {
  return { approvals: record.approvals, rejections: record.rejections, expirations: record.expirations };
}

export function quorumRuleOf(record: RequestRecord): QuorumRule {
  return { approverCount: record.approvers.length, quorum: record.quorum };
}

/** The asks whose approver has not voted: what is still waiting on someone. */
export function undecidedAsks(record: RequestRecord): AskRef[] {
  return Object.entries(record.asks)
    .filter(([approver]) => record.votes[approver] === undefined)
    .map(([, ref]) => ref);
}

/** The ask without its task token: what callers outside the store adapter may see. */
export function withoutTaskToken(ask: AskRecord): AskRecord {
  const { taskToken: _token, ...rest } = ask;
  return rest;
}
