/**
 * Cost arithmetic: counted work per request → dollars per 1,000 requests, by line item. Pure (no
 * AWS or Pulumi imports): the benchmark counts the work, this only multiplies it by list prices.
 */
import { PRICES, priceOf } from "./prices";

export type Architecture = "arm64" | "x86_64";

/** One Lambda function's share of a request. */
export interface LambdaUsage {
  name: string;
  invocations: number;
  /** Sum over the invocations of each one's billed duration (see billedDurationMs). */
  billedMs: number;
  memoryMb: number;
  architecture: Architecture;
}

/** Everything one request costs money for, counted (averages are fine: per request). */
export interface WorkPerRequest {
  stateTransitions: number;
  lambdas: LambdaUsage[];
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  snsEmails: number;
  httpApiRequests: number;
  ssmAutomationSteps: number;
}

export const NO_WORK: WorkPerRequest = {
  stateTransitions: 0,
  lambdas: [],
  dynamoWriteUnits: 0,
  dynamoReadUnits: 0,
  snsEmails: 0,
  httpApiRequests: 0,
  ssmAutomationSteps: 0,
};

/** Dollars per 1,000 requests, by line item. */
export interface CostPer1000 {
  stepFunctions: number;
  lambdaRequests: number;
  lambdaCompute: number;
  dynamoDb: number;
  sns: number;
  httpApi: number;
  ssmAutomation: number;
  total: number;
}

const REQUESTS = 1_000;

/** Lambda bills each invocation's duration rounded up to the next millisecond. */
export function billedDurationMs(measuredMs: number): number {
  if (!Number.isFinite(measuredMs) || measuredMs < 0)
    throw new RangeError(`duration must be a non-negative number, got ${measuredMs}`);
  return Math.max(1, Math.ceil(measuredMs));
}

/** GB-seconds of `billedMs` milliseconds at `memoryMb` (Lambda counts 1 GB as 1,024 MB). */
export function gbSeconds(memoryMb: number, billedMs: number): number {
  return (memoryMb / 1024) * (billedMs / 1000);
}

function lambdaComputeUsd(usage: LambdaUsage): number {
  const price = usage.architecture === "arm64" ? PRICES.lambdaGbSecondArm64 : PRICES.lambdaGbSecondX86;
  return priceOf(price, gbSeconds(usage.memoryMb, usage.billedMs));
}

export function costPer1000(work: WorkPerRequest): CostPer1000 {
  const perRequest = {
    stepFunctions: priceOf(PRICES.stateTransition, work.stateTransitions),
    lambdaRequests: priceOf(
      PRICES.lambdaRequest,
      work.lambdas.reduce((sum, usage) => sum + usage.invocations, 0),
    ),
    lambdaCompute: work.lambdas.reduce((sum, usage) => sum + lambdaComputeUsd(usage), 0),
    dynamoDb:
      priceOf(PRICES.dynamoWriteUnit, work.dynamoWriteUnits) + priceOf(PRICES.dynamoReadUnit, work.dynamoReadUnits),
    sns: priceOf(PRICES.snsEmail, work.snsEmails),
    httpApi: priceOf(PRICES.httpApiRequest, work.httpApiRequests),
    ssmAutomation: priceOf(PRICES.ssmAutomationStep, work.ssmAutomationSteps),
  };
  const items = Object.fromEntries(Object.entries(perRequest).map(([key, usd]) => [key, usd * REQUESTS])) as Omit<
    CostPer1000,
    "total"
  >;
  const total = Object.values(items).reduce((sum, usd) => sum + usd, 0);
  return { ...items, total };
}

/** The SSM Automation blog pattern's per-approval work (assumptions from the baseline notes). */
export interface SsmPatternAssumptions {
  /** Callback functions run per approval (the one that starts the automation, the one that answers Step Functions). */
  functionsPerApproval: number;
  memoryMb: number;
  /** Billed duration of each run: a boto3 client set-up plus one or two API calls. */
  billedMsPerInvocation: number;
  architecture: Architecture;
  /** The `aws:approve` step, billed as one Automation step. */
  automationStepsPerApproval: number;
}

export const SSM_BLOG_PATTERN: SsmPatternAssumptions = {
  functionsPerApproval: 2,
  memoryMb: 10_240,
  billedMsPerInvocation: 1_000,
  // Python 3.9 functions as published, without an Architectures setting: x86_64.
  architecture: "x86_64",
  automationStepsPerApproval: 1,
};

/** The blog pattern's Lambda and SSM work for one request with `approvals` approvals (its state machine not counted). */
export function ssmPatternWork(
  approvals: number,
  assumptions: SsmPatternAssumptions = SSM_BLOG_PATTERN,
): WorkPerRequest {
  const invocations = approvals * assumptions.functionsPerApproval;
  return {
    ...NO_WORK,
    lambdas: [
      {
        name: "10 GB callback functions",
        invocations,
        billedMs: invocations * assumptions.billedMsPerInvocation,
        memoryMb: assumptions.memoryMb,
        architecture: assumptions.architecture,
      },
    ],
    ssmAutomationSteps: approvals * assumptions.automationStepsPerApproval,
  };
}

/** How many times `cheaper` goes into `dearer` (Infinity when `cheaper` costs nothing). */
export function timesCheaper(cheaper: number, dearer: number): number {
  return cheaper === 0 ? Infinity : dearer / cheaper;
}

/**
 * The same work if every invocation started a fresh container: each function's billed duration
 * grows by its INIT time (Lambda bills INIT for managed runtimes), here `initMs` by function name.
 */
export function withColdStarts(work: WorkPerRequest, initMs: Record<string, number>): WorkPerRequest {
  return {
    ...work,
    lambdas: work.lambdas.map((usage) => ({
      ...usage,
      billedMs:
        usage.billedMs +
        (initMs[usage.name] === undefined ? 0 : usage.invocations * billedDurationMs(initMs[usage.name])),
    })),
  };
}

/**
 * The most state transitions a request may take when every approver approves (issue 10): one
 * stage of N approvers N + 3 (open, the stage's Parallel, N asks, close); S stages Σ(Nₛ + 1) + 2.
 */
export function transitionBudget(stages: readonly number[]): number {
  if (stages.length === 0 || stages.some((size) => !Number.isInteger(size) || size < 1))
    throw new RangeError(`every stage needs at least one approver, got [${stages.join(", ")}]`);
  return stages.reduce((sum, size) => sum + size + 1, 0) + 2;
}
