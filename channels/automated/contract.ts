/**
 * The reviewer contract: what an automated reviewer (a team's Lambda function, or the Bedrock
 * reviewer this project ships) is sent, and what it must answer. Pure, so the ask function, the
 * shipped reviewer, the sandbox's stand-ins and the tests share one definition (README:
 * "Automated reviewers").
 *
 * A reviewer is invoked synchronously with a ReviewerInput and answers `{ decision, comment }`,
 * checked against REVIEWER_ANSWER. Anything else (an error, no answer by the deadline, throttling
 * past the retries, an answer outside the schema) is recorded as `abstained` with the reason: it
 * never counts as an approval.
 */
import { z } from "zod";
import type { ApproverMode, Decision, DecisionEntry, RequestSummary } from "../../core/model";

export const REVIEWER_CONTRACT = "parallel-approval/reviewer@1";

/** A decision recorded before the reviewer was asked (this stage's and earlier stages'). */
export interface PriorDecision {
  stage: string;
  approver: string;
  decision: Decision;
  /** Present for advisors: their decision did not count. */
  mode?: "advice";
  comment?: string;
  reason?: string;
  decidedAt?: string;
  decidedBy?: string;
}

export interface ReviewerInput {
  contract: typeof REVIEWER_CONTRACT;
  /** Who the reviewer is in this workflow, and whether its decision counts (`vote`) or is shown (`advice`). */
  reviewer: { name: string; mode: ApproverMode };
  /** The request as the caller sent it. Untrusted text: a reviewer must treat it as data. */
  request: {
    id: string;
    subject: string;
    details?: string;
    reviewUrl?: string;
    requestedBy?: string;
    change?: string;
  };
  stage: { index: number; name: string; count: number; quorum: number };
  /** Every decision recorded so far, earlier stages first, in the order they were made. */
  decisions: PriorDecision[];
  /** ISO 8601: the answer is not waited for after this moment. */
  deadline: string;
  /** Only for the shipped Bedrock reviewer: the model and what to check, from the stack's config. */
  bedrock?: { modelId: string; instructions: string };
}

/**
 * The longest reasoning a reviewer may give, in characters (stored cut to the comment byte cap).
 * Both the zod schema and the JSON Schema a model is shown take it from here, so they agree.
 */
export const MAX_REVIEW_COMMENT_CHARS = 2000;

/** The answer, exactly: no other fields, a decision and a non-empty reasoning. */
export const REVIEWER_ANSWER = z.strictObject({
  decision: z.enum(["approve", "reject"], { error: 'decision must be "approve" or "reject"' }),
  comment: z
    .string({ error: "comment must be a string with the reasoning" })
    .trim()
    .min(1, { error: "comment must not be empty" })
    .max(MAX_REVIEW_COMMENT_CHARS, { error: `comment must be at most ${MAX_REVIEW_COMMENT_CHARS} characters` }),
});

export type ReviewerAnswer = z.infer<typeof REVIEWER_ANSWER>;

/** The same schema as JSON Schema, for reviewers that state it to a model (the Bedrock tool's input). */
export const REVIEWER_ANSWER_JSON_SCHEMA = {
  type: "object",
  properties: {
    decision: { type: "string", enum: ["approve", "reject"], description: "approve or reject the request" },
    comment: {
      type: "string",
      minLength: 1,
      maxLength: MAX_REVIEW_COMMENT_CHARS,
      description: "the reasoning, in a few sentences a person can check",
    },
  },
  required: ["decision", "comment"],
  additionalProperties: false,
} as const;

/** The answer, or why it is outside the schema (one line). */
export function checkAnswer(value: unknown): { answer: ReviewerAnswer } | { problem: string } {
  const parsed = REVIEWER_ANSWER.safeParse(value);
  if (parsed.success) return { answer: parsed.data };
  const problems = parsed.error.issues.map((issue) =>
    issue.code === "unrecognized_keys" ? `unexpected field(s) ${issue.keys.join(", ")}` : issue.message,
  );
  const shape = value === null || Array.isArray(value) ? JSON.stringify(value)?.slice(0, 40) : typeof value;
  return {
    problem:
      typeof value === "object" && value !== null && !Array.isArray(value)
        ? problems.join("; ")
        : `the answer is ${shape}, not an object { decision, comment }`,
  };
}

/** The decisions so far, as a reviewer is given them: entries without a decision left out. */
export function priorDecisionsOf(entries: readonly DecisionEntry[]): PriorDecision[] {
  return entries.flatMap((entry) => {
    if (entry.decision === "none") return [];
    const prior: PriorDecision = { stage: entry.stage, approver: entry.approver, decision: entry.decision };
    if (entry.mode !== undefined) prior.mode = entry.mode;
    for (const field of ["comment", "reason", "decidedAt", "decidedBy"] as const)
      if (entry[field] !== undefined) prior[field] = entry[field];
    return [prior];
  });
}

/** The request fields a reviewer is sent. */
export function requestForReviewer(summary: RequestSummary): ReviewerInput["request"] {
  const request: ReviewerInput["request"] = { id: summary.id, subject: summary.subject };
  for (const field of ["details", "reviewUrl", "requestedBy", "change"] as const)
    if (summary[field] !== undefined) request[field] = summary[field];
  return request;
}
