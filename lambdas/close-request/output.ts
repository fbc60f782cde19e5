/** What closing a request decides and returns. Pure. */
import type { ExecutionOutput, Outcome, RequestRecord } from "../shared/model";
import { certainOutcome } from "../shared/quorum";
import { countsOf, decisionEntriesOf, quorumRuleOf, requestSummaryOf } from "../shared/record-views";

export interface OutcomeAtClose {
  /** Undefined only when the workflow failed before the outcome was certain. */
  outcome: Outcome | undefined;
  /** The workflow ended normally yet the counts decide nothing: a bug somewhere upstream. */
  inconsistent: boolean;
}

export function outcomeAtClose(record: RequestRecord, failed: boolean): OutcomeAtClose {
  const outcome = certainOutcome(countsOf(record), quorumRuleOf(record));
  if (outcome !== undefined || failed) return { outcome, inconsistent: false };
  // A normal end means every branch either decided or expired, and N votes always make the
  // outcome certain (approvals >= Q, or the others exceed N - Q). If that ever fails to hold, the
  // request is reported "expired" (it was not approved, and nobody is known to have rejected it
  // decisively) rather than failing an execution whose approvers are done.
  return { outcome: "expired", inconsistent: true };
}

/** The execution output, except that `outcome` is missing when the workflow failed undecided. */
export type CloseOutput = Omit<ExecutionOutput, "outcome"> & { outcome?: Outcome };

export function closeOutputOf(record: RequestRecord): CloseOutput {
  const output: CloseOutput = { decisions: decisionEntriesOf(record), request: requestSummaryOf(record) };
  return record.outcome === undefined ? output : { outcome: record.outcome, ...output };
}
