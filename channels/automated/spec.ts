/**
 * The automated channel: a reviewer decides by itself, at once, instead of a person. Either the
 * team's own Lambda function (`reviewer: { function: <ARN> }`, any logic), or the Bedrock reviewer
 * this project ships (`reviewer: { bedrockModel, instructions }`), which asks a model through the
 * Converse API. `mode: advice` (the default) shows its decision to the people of the same and
 * later stages without counting it; `mode: vote` counts it like a person's.
 *
 * The state machine invokes automated-review (plain `lambda:invoke`, no task token): it invokes
 * the reviewer with the request, the stage and the decisions so far (channels/automated/contract.ts),
 * checks the answer against the schema and records it through the recorder, raising the
 * stage-ending signal when its vote settles the stage. A reviewer that fails, times out, stays
 * throttled or answers outside the schema is recorded `abstained`, never as an approval. Pure:
 * config schema, limits, branch shape and functions.
 */
import { z } from "zod";
import { CHANNEL_THROTTLED_RETRY, type ChannelSpec } from "../../core/channel-spec";
import { approverNameSchema, unknownKeyMessage } from "../../core/config";
import { ENV } from "../../core/environment";
import { CHANNEL_FAILED_ERROR, CHANNEL_THROTTLED_ERROR, TASK_TIMEOUT_ERROR } from "../../core/errors";
import { MAX_EXECUTION_WAIT_SECONDS } from "../../core/limits";
import { BEDROCK_MODEL_ID, INFERENCE_PROFILE_PREFIXES, isGlobalProfileId } from "./models";

export const AUTOMATED = "automated";

/** A Lambda function ARN, unqualified or with a version or alias; no wildcards. */
export const LAMBDA_FUNCTION_ARN =
  /^arn:aws(?:-cn|-us-gov)?:lambda:[a-z]{2}(?:-gov)?-[a-z]+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}(?::(?:\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;

/** What to tell the model to check, in characters: a prompt, not a document. */
export const MAX_INSTRUCTIONS_CHARS = 4000;

/** Grants the automated channel exposes (channels/automated/infra.ts). */
export const AUTOMATED_GRANT = {
  /** lambda:InvokeFunction on exactly the configured reviewer functions (and the shipped Bedrock reviewer). */
  invokeReviewers: "automated.invokeReviewers",
  /** bedrock:InvokeModel on exactly the configured models (and what their inference profiles route to). */
  invokeModels: "automated.invokeModels",
} as const;

/** The ask function's timeout: the longest any reviewer is waited for (within the policy pack's 60 s). */
export const REVIEW_FUNCTION_TIMEOUT_SECONDS = 60;
/** The shipped Bedrock reviewer's timeout: shorter, so the ask function always outlives it and records why. */
export const BEDROCK_REVIEWER_TIMEOUT_SECONDS = 50;

const REVIEWER_KEYS = ["function", "bedrockModel", "instructions"];

/** Why a bedrockModel value cannot be used, or undefined when it can. */
function bedrockModelProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || !BEDROCK_MODEL_ID.test(value))
    return "bedrockModel must be a Bedrock model id or inference profile id, e.g. anthropic.claude-3-5-haiku-20241022-v1:0 or eu.anthropic.claude-3-5-haiku-20241022-v1:0";
  // A global profile needs a Region-less model ARN in the grant, which the policy pack refuses (models.ts).
  if (isGlobalProfileId(value)) {
    const geographic = INFERENCE_PROFILE_PREFIXES.map((prefix) => `${prefix}.`).join(", ");
    return `global cross-Region inference profiles are not supported: this stack cannot grant the Region-less model ARN they need. Use a geographic profile (${geographic}) or a foundation model id, e.g. ${value.replace(/^global\./, "us.")}`;
  }
  return undefined;
}

const reviewerSchema = z.looseObject({}).superRefine((raw: Record<string, unknown>, ctx) => {
  for (const key of Object.keys(raw).filter((k) => !REVIEWER_KEYS.includes(k)))
    ctx.addIssue({ code: "custom", path: [key], message: unknownKeyMessage(key, REVIEWER_KEYS, "reviewer field") });
  const kinds = ["function", "bedrockModel"].filter((key) => raw[key] !== undefined);
  if (kinds.length !== 1) {
    ctx.addIssue({
      code: "custom",
      message:
        kinds.length === 0
          ? "a reviewer is { function: <Lambda function ARN> } or { bedrockModel: <model or inference profile id>, instructions }"
          : "a reviewer has either function or bedrockModel, not both",
    });
    return;
  }
  if (raw.function !== undefined) {
    if (typeof raw.function !== "string" || !LAMBDA_FUNCTION_ARN.test(raw.function))
      ctx.addIssue({
        code: "custom",
        path: ["function"],
        message:
          "function must be a Lambda function ARN, e.g. arn:aws:lambda:eu-west-1:123456789012:function:change-reviewer (a version or alias may follow)",
      });
    if (raw.instructions !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["instructions"],
        message: "instructions are for a bedrockModel reviewer; a function reviewer decides by its own logic",
      });
    return;
  }
  const modelProblem = bedrockModelProblem(raw.bedrockModel);
  if (modelProblem !== undefined) ctx.addIssue({ code: "custom", path: ["bedrockModel"], message: modelProblem });
  if (typeof raw.instructions !== "string" || raw.instructions.trim() === "")
    ctx.addIssue({
      code: "custom",
      path: ["instructions"],
      message:
        "instructions are required with bedrockModel: what the model is to check, e.g. 'Reject schema changes without a rollback plan'",
    });
  else if (raw.instructions.length > MAX_INSTRUCTIONS_CHARS)
    ctx.addIssue({
      code: "custom",
      path: ["instructions"],
      message: `instructions must be at most ${MAX_INSTRUCTIONS_CHARS} characters`,
    });
});

export const automatedEntrySchema = z.strictObject({
  name: approverNameSchema,
  reviewer: reviewerSchema,
  mode: z
    .enum(["advice", "vote"], { error: 'mode must be "advice" (shown to people, the default) or "vote"' })
    .optional(),
});

export type AutomatedEntry = z.infer<typeof automatedEntrySchema>;

/** The reviewer of an approver, as its options carry it to the ask function. */
export type ReviewerOptions = { function: string } | { bedrockModel: string; instructions: string };

function reviewerOptionsOf(raw: Record<string, unknown>): ReviewerOptions {
  return typeof raw.function === "string"
    ? { function: raw.function }
    : { bedrockModel: raw.bedrockModel as string, instructions: (raw.instructions as string).trim() };
}

/** What decides for the approver: the function ARN or the model id (recorded as `decidedBy`). */
export const reviewerAddressOf = (options: ReviewerOptions): string =>
  "function" in options ? options.function : options.bedrockModel;

/** Errors the ask task may end with besides a decision or a stage-ending signal: each records `abstained`. */
export const AUTOMATED_NO_VERDICT_ERRORS = [
  TASK_TIMEOUT_ERROR,
  CHANNEL_FAILED_ERROR,
  CHANNEL_THROTTLED_ERROR,
  // The ask function itself ran out of time (it stops waiting for the reviewer before that).
  "Sandbox.Timedout",
  // The Lambda service stayed unavailable or throttled after the task's retries.
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
];

export const automatedChannel: ChannelSpec<AutomatedEntry> & { kind: typeof AUTOMATED } = {
  kind: AUTOMATED,
  markerKeys: ["reviewer"],
  fields:
    "an automated approver has name, reviewer ({ function } or { bedrockModel, instructions }) and optionally mode (advice or vote); no email",
  schema: automatedEntrySchema,
  toApprover: ({ name, reviewer, mode }) => {
    const options = reviewerOptionsOf(reviewer);
    return { name, channel: AUTOMATED, mode: mode ?? "advice", address: reviewerAddressOf(options), options };
  },
  // The reviewer answers within a minute; a stage's deadline only caps that.
  maxTimeoutSeconds: MAX_EXECUTION_WAIT_SECONDS,
  maxTimeoutReason: "whose wait must fit in a Step Functions execution",
  notifiesByEmail: false,
  branch: {
    wait: "result",
    askFunction: "automated-review",
    noVerdictErrors: AUTOMATED_NO_VERDICT_ERRORS,
    // A reviewer throttled past the SDK's retries: back off for ~10 minutes, then it abstains.
    retry: [CHANNEL_THROTTLED_RETRY],
    noVerdictAs: "abstained",
  },
  functions: [
    {
      key: "automated-review",
      entry: "automated-review",
      description: "Asks an automated reviewer, checks its answer and records it",
      env: [ENV.tableName, ENV.recordRetentionDays, ENV.bedrockReviewerFunction],
      table: ["GetItem", "UpdateItem"],
      grants: [AUTOMATED_GRANT.invokeReviewers],
      invokedBy: ["stateMachine"],
      timeoutSeconds: REVIEW_FUNCTION_TIMEOUT_SECONDS,
      channel: AUTOMATED,
    },
    {
      key: "bedrock-reviewer",
      entry: "bedrock-reviewer",
      description: "The shipped reviewer: asks an Amazon Bedrock model through the Converse API",
      env: [],
      table: [],
      grants: [AUTOMATED_GRANT.invokeModels],
      invokedBy: ["function"],
      timeoutSeconds: BEDROCK_REVIEWER_TIMEOUT_SECONDS,
      channel: AUTOMATED,
    },
  ],
};

/** The Bedrock reviewers' settings of a list of approvers (deduplicated by model). */
export function bedrockModelsOf(approvers: readonly { channel: string; options: object }[]): string[] {
  return [
    ...new Set(
      approvers
        .filter((a) => a.channel === AUTOMATED && "bedrockModel" in a.options)
        .map((a) => (a.options as { bedrockModel: string }).bedrockModel),
    ),
  ];
}

/** The function reviewers' ARNs of a list of approvers (deduplicated). */
export function reviewerFunctionsOf(approvers: readonly { channel: string; options: object }[]): string[] {
  return [
    ...new Set(
      approvers
        .filter((a) => a.channel === AUTOMATED && "function" in a.options)
        .map((a) => (a.options as { function: string }).function),
    ),
  ];
}
