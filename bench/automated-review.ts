/**
 * What automated reviewers cost, per 1,000 requests (README: Performance; issue 11): the Lambda
 * invocations and billed duration of the automated channel's functions, the state transitions and
 * request-store work of an automated branch, and, for the shipped Bedrock reviewer, the model's
 * tokens at one named model's list price.
 *
 * Measured here: the Converse request the shipped reviewer really sends (system prompt, the
 * request as a JSON document, the tool and its schema) for the sandbox's sample request, and the
 * local time of the reviewer's whole call path with the real SDK client against the local
 * Converse stand-in. Assumed (stated in the output): the model's latency and its answer's length,
 * which only real Bedrock can tell, and ~4 characters per token for the input estimate.
 */
import { performance } from "node:perf_hooks";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { REVIEWER_CONTRACT, type ReviewerInput } from "../channels/automated/contract";
import { DEFAULT_MEMORY_MB } from "../components/approval-function";
import { clientConfig } from "../lambdas/adapters/aws-client-config";
import { converseRequest, MAX_OUTPUT_TOKENS } from "../lambdas/bedrock-reviewer/converse";
import { reviewWithBedrock } from "../lambdas/bedrock-reviewer/index";
import { DEFAULT_REQUEST } from "../local/cli-options";
import { startFakeBedrockRuntime } from "../local/fake-bedrock-runtime";
import { billedDurationMs, costPer1000, NO_WORK, type CostPer1000, type WorkPerRequest } from "./cost";

/**
 * The model priced: on-demand list price, us-east-1, as the AWS Bedrock pricing page (`source`)
 * listed it on `asOf`. That date is the latest on which the figures are known to be the list
 * price: this machine cannot open the AWS page, so they were read from a copy of it dated then
 * (deploybase.ai's "Amazon Bedrock Pricing", which cites the AWS page of 2026-03-21). Check the
 * AWS page before relying on them.
 */
export const BEDROCK_MODEL_PRICE = {
  model: "Anthropic Claude 3.5 Haiku (anthropic.claude-3-5-haiku-20241022-v1:0), on-demand",
  inputUsdPer1M: 0.8,
  outputUsdPer1M: 4.0,
  source: "https://aws.amazon.com/bedrock/pricing/",
  asOf: "2026-03-21",
} as const;

/** Assumptions only real Bedrock can replace (bench/README.md). */
export const REVIEW_ASSUMPTIONS = {
  /** A small model's time for ~1,000 input and ~150 output tokens, one call. */
  modelLatencyMs: 3000,
  /** A decision and a few sentences of reasoning in the tool call. */
  typicalOutputTokens: 150,
  /** Characters per input token, for the estimate from the request's size. */
  charsPerToken: 4,
  /** A team's own reviewer function's run time (its own cost is the team's and not counted; automated-review waits for it). */
  functionReviewerMs: 200,
  /** The request record read (consistent, < 4 KB) and the vote's conditional write (~2 KB item). */
  readUnits: 1,
  writeUnits: 2,
} as const;

export interface AutomatedReviewCost {
  model: typeof BEDROCK_MODEL_PRICE;
  assumptions: typeof REVIEW_ASSUMPTIONS;
  inputTokens: number;
  /** The reviewer call path locally (SDK, serialisation, parsing), median of the runs, excluding the model. */
  localOverheadMs: number;
  bedrock: { work: WorkPerRequest; cost: CostPer1000; tokensUsd: { typical: number; worstCase: number } };
  functionReviewer: { work: WorkPerRequest; cost: CostPer1000 };
}

export function sampleReviewerInput(): ReviewerInput {
  return {
    contract: REVIEWER_CONTRACT,
    reviewer: { name: "risk-model", mode: "advice" },
    request: { id: "bench", ...DEFAULT_REQUEST, requestedBy: "release-bot" },
    stage: { index: 0, name: "pre-review", count: 2, quorum: 0 },
    decisions: [],
    deadline: new Date(Date.now() + 45_000).toISOString(),
    bedrock: {
      modelId: "anthropic.claude-3-5-haiku-20241022-v1:0",
      instructions: "Reject database migrations without a tested rollback, and deployments outside the change window.",
    },
  };
}

/** Input tokens of the request the shipped reviewer sends, estimated from its size. */
export function inputTokensOf(input: ReviewerInput, charsPerToken: number = REVIEW_ASSUMPTIONS.charsPerToken): number {
  const { system, messages, toolConfig } = converseRequest(input);
  return Math.ceil(JSON.stringify([system, messages, toolConfig]).length / charsPerToken);
}

/** Dollars per 1,000 requests for `inputTokens` in and `outputTokens` out per request. */
export function tokensUsdPer1000(inputTokens: number, outputTokens: number, price = BEDROCK_MODEL_PRICE): number {
  return ((inputTokens * price.inputUsdPer1M + outputTokens * price.outputUsdPer1M) / 1_000_000) * 1_000;
}

/** One automated branch's work: 1 state transition (its Ask task), the store's read and write, these Lambdas. */
function branchWork(lambdas: WorkPerRequest["lambdas"]): WorkPerRequest {
  return {
    ...NO_WORK,
    stateTransitions: 1,
    lambdas,
    dynamoReadUnits: REVIEW_ASSUMPTIONS.readUnits,
    dynamoWriteUnits: REVIEW_ASSUMPTIONS.writeUnits,
  };
}

export async function measureAutomatedReview(runs = 20): Promise<AutomatedReviewCost> {
  const bedrock = await startFakeBedrockRuntime();
  const client = new BedrockRuntimeClient({
    ...clientConfig,
    endpoint: bedrock.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  });
  const savedLevel = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = "silent";
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await reviewWithBedrock(client, sampleReviewerInput(), 45_000);
      times.push(performance.now() - started);
    }
  } finally {
    if (savedLevel === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = savedLevel;
    client.destroy();
    await bedrock.stop();
  }
  const localOverheadMs = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
  const a = REVIEW_ASSUMPTIONS;
  const lambda = (name: string, ms: number) => ({
    name,
    invocations: 1,
    billedMs: billedDurationMs(ms),
    memoryMb: DEFAULT_MEMORY_MB,
    architecture: "arm64" as const,
  });
  // Both functions wait for the model: the ask function for the reviewer, the reviewer for Converse.
  const bedrockWork = branchWork([
    lambda("automated-review", a.modelLatencyMs + localOverheadMs),
    lambda("bedrock-reviewer", a.modelLatencyMs + localOverheadMs),
  ]);
  const functionWork = branchWork([lambda("automated-review", a.functionReviewerMs + localOverheadMs)]);
  const inputTokens = inputTokensOf(sampleReviewerInput());
  return {
    model: BEDROCK_MODEL_PRICE,
    assumptions: a,
    inputTokens,
    localOverheadMs,
    bedrock: {
      work: bedrockWork,
      cost: costPer1000(bedrockWork),
      tokensUsd: {
        typical: tokensUsdPer1000(inputTokens, a.typicalOutputTokens),
        worstCase: tokensUsdPer1000(inputTokens, MAX_OUTPUT_TOKENS),
      },
    },
    functionReviewer: { work: functionWork, cost: costPer1000(functionWork) },
  };
}

const usd = (value: number) => `$${value.toFixed(value < 0.1 ? 4 : 2)}`;

export function renderAutomatedReview(review: AutomatedReviewCost): string {
  const { bedrock, functionReviewer: fn, assumptions: a } = review;
  const invocations = (work: WorkPerRequest) => work.lambdas.reduce((sum, l) => sum + l.invocations, 0) * 1000;
  const gbs = (work: WorkPerRequest) =>
    work.lambdas.reduce((sum, l) => sum + (l.memoryMb / 1024) * (l.billedMs / 1000), 0) * 1000;
  return [
    "Automated review, per 1,000 requests, one reviewer each (USD)",
    `  Bedrock reviewer (${review.model.model}):`,
    `    Lambda: ${invocations(bedrock.work).toLocaleString("en-US")} invocations, ${gbs(bedrock.work).toFixed(0)} GB-s (${bedrock.work.lambdas.map((l) => `${l.name} ${l.billedMs} ms`).join(", ")}) = ${usd(bedrock.cost.lambdaRequests + bedrock.cost.lambdaCompute)}`,
    `    Step Functions + DynamoDB: ${usd(bedrock.cost.stepFunctions + bedrock.cost.dynamoDb)}`,
    `    Bedrock tokens: ${review.inputTokens.toLocaleString("en-US")} in (estimated, ${a.charsPerToken} chars/token) + ${a.typicalOutputTokens} out = ${usd(bedrock.tokensUsd.typical)}; worst case (${MAX_OUTPUT_TOKENS} out) ${usd(bedrock.tokensUsd.worstCase)}`,
    `    total: ${usd(bedrock.cost.total + bedrock.tokensUsd.typical)} (worst case ${usd(bedrock.cost.total + bedrock.tokensUsd.worstCase)})`,
    `  Function reviewer (the team's function's own cost not counted):`,
    `    Lambda: ${invocations(fn.work).toLocaleString("en-US")} invocations of automated-review, ${gbs(fn.work).toFixed(1)} GB-s; with Step Functions + DynamoDB: ${usd(fn.cost.total)}`,
    `  Assumed: model latency ${a.modelLatencyMs} ms per call, ${a.typicalOutputTokens} output tokens, a function reviewer runs ${a.functionReviewerMs} ms; measured: local overhead ${review.localOverheadMs.toFixed(1)} ms per review.`,
    `  Model price: $${review.model.inputUsdPer1M} / $${review.model.outputUsdPer1M} per 1M input / output tokens, list price as of ${review.model.asOf}: ${review.model.source}`,
  ].join("\n");
}
