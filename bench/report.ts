/**
 * The benchmark's results as one JSON-ready object, and the targets read from them (issue 6).
 * Pure: main.ts measures, this judges, table.ts prints.
 */
import type { CountedWork } from "./cost-workload";
import type { CostPer1000, WorkPerRequest } from "./cost";
import type { SequentialLatency, ConcurrentDecisions } from "./latency";
import type { ColdStart } from "./cold-start";
import type { ProgramScaling } from "./program-evaluation";
import type { Price } from "./prices";
import type { SampleRun } from "./aws-sample";

export interface CostComparison {
  approvers: number;
  ours: CountedWork & { cost: CostPer1000; coldCost: CostPer1000 };
  awsSample: SampleRun & { work: WorkPerRequest; cost: CostPer1000 };
  ssmPattern: { work: WorkPerRequest; cost: CostPer1000 };
}

export interface BenchResults {
  generatedAt: string;
  environment: { node: string; platform: string; cpus: number; cpuModel: string };
  prices: { region: string; recordedOn: string; items: Record<string, Price> };
  assumptions: string[];
  cost: CostComparison[];
  latency: { sequential: SequentialLatency; concurrent: ConcurrentDecisions[] };
  coldStart: ColdStart[];
  programEvaluation: ProgramScaling;
  targets: Target[];
  durationSeconds: number;
}

export interface Target {
  what: string;
  figure: string;
  target: string;
  pass: boolean;
  note?: string;
}

export const BUNDLE_LIMIT_BYTES = 50 * 1024;
export const LATENCY_P95_LIMIT_MS = 50;
export const SAMPLE_COST_FACTOR = 2;
export const SSM_PATTERN_FACTOR = 20;
/** "Roughly linear": the middle run within this factor of the straight line through the outer two. */
export const LINEARITY_TOLERANCE = 0.25;

const lambdaUsd = (cost: CostPer1000) => cost.lambdaRequests + cost.lambdaCompute;
const usd = (value: number) => `$${value.toFixed(4)}`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

export function judgeTargets(results: Omit<BenchResults, "targets" | "durationSeconds">): Target[] {
  const targets: Target[] = [];
  const three = results.cost.find((comparison) => comparison.approvers === 3);
  if (three) {
    const ours = three.ours.cost.total;
    const sample = three.awsSample.cost.total;
    const ratio = ours / sample;
    targets.push({
      what: "cost / 1,000 requests, 3 approvers, vs AWS sample",
      figure: `${usd(ours)} = ${ratio.toFixed(2)}x the sample's ${usd(sample)}`,
      target: `<= ${SAMPLE_COST_FACTOR}x`,
      pass: ratio <= SAMPLE_COST_FACTOR,
      note:
        "both totals include their SNS emails; Step Functions alone: " +
        `${(three.ours.cost.stepFunctions / three.awsSample.cost.stepFunctions).toFixed(2)}x`,
    });
    const pattern = three.ssmPattern.cost.total;
    targets.push({
      what: "cost / 1,000 requests, 3 approvers, vs 10 GB-Lambda pattern",
      figure: `${(pattern / ours).toFixed(0)}x below its ${usd(pattern)}`,
      target: `>= ${SSM_PATTERN_FACTOR}x below`,
      pass: pattern / ours >= SSM_PATTERN_FACTOR,
      note: `Lambda alone: ${(lambdaUsd(three.ssmPattern.cost) / lambdaUsd(three.ours.cost)).toFixed(0)}x below`,
    });
  }
  const sequential = results.latency.sequential;
  targets.push({
    what: `decision latency p95, ${sequential.decisions} decisions one at a time`,
    figure: ms(sequential.toNextState.p95),
    target: `< ${LATENCY_P95_LIMIT_MS} ms`,
    pass: sequential.toNextState.p95 < LATENCY_P95_LIMIT_MS,
  });
  for (const concurrent of results.latency.concurrent) {
    targets.push({
      what: `decision latency p95, ${concurrent.approvers} approvers at once (quorum ${concurrent.quorum})`,
      figure: ms(concurrent.pageResponse.p95),
      target: `< ${LATENCY_P95_LIMIT_MS} ms`,
      pass: concurrent.pageResponse.p95 < LATENCY_P95_LIMIT_MS,
      note: "one Node process on this machine serves every handler and the DynamoDB emulator at once; on AWS each decision runs in its own Lambda",
    });
    targets.push({
      what: `${concurrent.approvers} approvers at once (quorum ${concurrent.quorum}): one quorum signal, no vote lost`,
      figure: `${concurrent.verification.quorumSignals} signal, ${concurrent.verification.votesRecorded} recorded, ${concurrent.verification.approvalsInOutput} in output`,
      target: "verified",
      pass: concurrent.verification.passed,
    });
  }
  const program = results.programEvaluation;
  targets.push({
    what: "program evaluation linear in approvers",
    figure: `${program.msPerApprover.toFixed(1)} ms and ${program.resourcesPerApprover} resources per approver; middle run at ${program.linearity.toFixed(2)}x the line`,
    target: `within ${1 - LINEARITY_TOLERANCE}-${1 + LINEARITY_TOLERANCE}x, resources exactly linear`,
    pass: Math.abs(program.linearity - 1) <= LINEARITY_TOLERANCE && program.resourcesLinear,
  });
  const largest = [...results.coldStart].sort((a, b) => b.bundleBytes - a.bundleBytes)[0];
  if (largest) {
    targets.push({
      what: "every bundle under 50 KB, AWS SDK external",
      figure: `largest ${largest.handler} ${(largest.bundleBytes / 1024).toFixed(1)} KB`,
      target: "< 50 KB",
      pass: results.coldStart.every((coldStart) => coldStart.bundleBytes < BUNDLE_LIMIT_BYTES),
    });
  }
  return targets;
}
