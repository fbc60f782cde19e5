/**
 * Automated advice as people see it: the decisions of a request's advisors (automated reviewers
 * in `advice` mode, which do not count) in the stage a person is asked in and the stages before
 * it, for the approval page and the email. Pure.
 */
import type { Decision, RequestRecord, RequestSummary } from "./model";

export interface AdviceEntry {
  /** 0-based index of the stage the advice was given in. */
  stage: number;
  stageName: string;
  reviewer: string;
  decision: Decision;
  /** The reviewer's reasoning (a verdict), or why it gave none (`reason`). */
  comment?: string;
  reason?: string;
  decidedAt: string;
}

/** Advice recorded in stages 0..stageIndex, stage by stage, each in the order it was given. */
export function adviceFor(request: RequestRecord, stageIndex: number): AdviceEntry[] {
  return request.stages.slice(0, stageIndex + 1).flatMap((stage, index) =>
    stage.advisors
      .flatMap((reviewer) => {
        const vote = stage.votes[reviewer];
        if (vote === undefined) return [];
        const entry: AdviceEntry = {
          stage: index,
          stageName: stage.name,
          reviewer,
          decision: vote.decision,
          decidedAt: vote.decidedAt,
        };
        if (vote.comment !== undefined) entry.comment = vote.comment;
        if (vote.reason !== undefined) entry.reason = vote.reason;
        return [entry];
      })
      .sort((a, b) => a.decidedAt.localeCompare(b.decidedAt)),
  );
}

/** Whether any stage up to this one has advisors (so that reading the record for advice is worth it). */
export const hasAdvisorsUpTo = (summary: RequestSummary, stageIndex: number): boolean =>
  summary.stages.slice(0, stageIndex + 1).some((stage) => (stage.advisors ?? []).length > 0);

const WORD: Record<Decision, string> = {
  approve: "approve",
  reject: "reject",
  abstained: "abstained",
  expired: "no answer",
  unreachable: "no answer",
  failed: "no answer",
};

/** "Automated review: reject — <reasoning>" (one line; the text is the reviewer's, unescaped). */
export function adviceHeadline(entry: AdviceEntry): { verdict: string; text: string } {
  return { verdict: `Automated review: ${WORD[entry.decision]}`, text: entry.comment ?? entry.reason ?? "" };
}
