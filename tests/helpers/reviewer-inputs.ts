/** Reviewer inputs as automated-review builds them, for tests of reviewers and the Bedrock stand-in. */
import { REVIEWER_CONTRACT, type ReviewerInput } from "../../channels/automated/contract";
import type { RequestStore } from "../../core/ports";
import { recordVerdict } from "../../core/review-recorder";

export const HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";
export const INSTRUCTIONS = "Reject database migrations without a rollback plan. Approve routine deployments.";

export function reviewerInput(overrides: Partial<ReviewerInput["request"]> = {}, deadlineMs = 30_000): ReviewerInput {
  return {
    contract: REVIEWER_CONTRACT,
    reviewer: { name: "risk-model", mode: "vote" },
    request: {
      id: "req-1",
      subject: "Deploy billing v2",
      details: "Adds an index online. Rollback: redeploy v1.",
      requestedBy: "ci@example.com",
      ...overrides,
    },
    stage: { index: 0, name: "pre-review", count: 2, quorum: 1 },
    decisions: [],
    deadline: new Date(Date.now() + deadlineMs).toISOString(),
    bedrock: { modelId: HAIKU, instructions: INSTRUCTIONS },
  };
}

/** The advice the specs of advice in messages start from: the "risk" advisor of stage 1 rejects. */
export const RISK_ADVICE_COMMENT = "Drops a table without a rollback plan.";

export async function recordRiskAdvice(store: RequestStore, requestId: string, now: Date): Promise<void> {
  await recordVerdict(
    { store, now: () => now },
    {
      requestId,
      stage: 0,
      approver: "risk",
      decision: "reject",
      comment: RISK_ADVICE_COMMENT,
      decidedBy: `eu.${HAIKU}`,
      channel: "automated",
    },
  );
}
