/**
 * The benchmark's results as one JSON-ready object, and the targets read from them (issues 6, 9
 * and 10). Pure: main.ts measures, this judges, table.ts prints.
 */
import type { ReminderCost } from "./reminder-cost";
import type { CountedWork } from "./cost-workload";
import type { CostPer1000, WorkPerRequest } from "./cost";
import type { SequentialLatency, ConcurrentDecisions } from "./latency";
import type { HandlerBundles } from "./bundles";
import type { ProgramScaling } from "./program-evaluation";
import type { Price } from "./prices";
import type { SampleRun } from "./aws-sample";
import type { AutomatedReviewCost } from "./automated-review";

export interface CostComparison {
  /** "1 stage x 3", "2 stages (1 + 3)", ... */
  label: string;
  /** Approvers of each stage. */
  stages: number[];
  approvers: number;
  /** The most state transitions issue 10 allows for this shape (cost.ts: transitionBudget). */
  transitionBudget: number;
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
  bundles: HandlerBundles[];
  programEvaluation: ProgramScaling;
  /** What one automated reviewer adds per 1,000 requests (bench/automated-review.ts). */
  automatedReview?: AutomatedReviewCost;
  /** What one reminder adds to a request (bench/reminder-cost.ts); absent in results from before reminders. */
  reminder?: ReminderCost;
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

export const LATENCY_P95_LIMIT_MS = 50;
export const SAMPLE_COST_FACTOR = 2;
export const SSM_PATTERN_FACTOR = 20;
/** "Roughly linear": the middle run within this factor of the straight line through the outer two. */
export const LINEARITY_TOLERANCE = 0.25;

const lambdaUsd = (cost: CostPer1000) => cost.lambdaRequests + cost.lambdaCompute;
const usd = (value: number) => `$${value.toFixed(4)}`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** "N + 3" for one stage, "Σ(Nₛ + 1) + 2" spelt out for several. */
function budgetFormula(stages: readonly number[]): string {
  return stages.length === 1
    ? `N + 3 = ${stages[0]} + 3`
    : `Σ(Nₛ + 1) + 2 = ${stages.map((size) => `(${size} + 1)`).join(" + ")} + 2`;
}

/** Transitions of every shape against issue 10's budget; cost of 1 stage x 3 against the AWS sample and the 10 GB pattern. */
function costTargets(cost: readonly CostComparison[]): Target[] {
  const targets: Target[] = cost.map((comparison) => {
    const measured = comparison.ours.work.stateTransitions;
    return {
      what: `state transitions per request, ${comparison.label}, every approver approves`,
      figure: `${measured} (AWS sample: ${comparison.awsSample.stateTransitions})`,
      target: `<= ${comparison.transitionBudget} (${budgetFormula(comparison.stages)})`,
      pass: measured <= comparison.transitionBudget,
    };
  });
  const three = cost.find((comparison) => comparison.stages.length === 1 && comparison.stages[0] === 3);
  if (three === undefined) return targets;
  const ours = three.ours.cost.total;
  const sample = three.awsSample.cost.total;
  const ratio = ours / sample;
  const pattern = three.ssmPattern.cost.total;
  targets.push(
    {
      what: `cost / 1,000 requests, ${three.label}, vs AWS sample`,
      figure: `${usd(ours)} = ${ratio.toFixed(2)}x the sample's ${usd(sample)}`,
      target: `<= ${SAMPLE_COST_FACTOR}x`,
      pass: ratio <= SAMPLE_COST_FACTOR,
      note:
        "both totals include their SNS emails; Step Functions alone: " +
        `${(three.ours.cost.stepFunctions / three.awsSample.cost.stepFunctions).toFixed(2)}x`,
    },
    {
      what: `cost / 1,000 requests, ${three.label}, vs 10 GB-Lambda pattern`,
      figure: `${(pattern / ours).toFixed(0)}x below its ${usd(pattern)}`,
      target: `>= ${SSM_PATTERN_FACTOR}x below`,
      pass: pattern / ours >= SSM_PATTERN_FACTOR,
      note: `Lambda alone: ${(lambdaUsd(three.ssmPattern.cost) / lambdaUsd(three.ours.cost)).toFixed(0)}x below`,
    },
  );
  return targets;
}

/** Decision latency one at a time and at once, and the concurrent runs' verification. */
function latencyTargets(latency: BenchResults["latency"]): Target[] {
  const sequential = latency.sequential;
  return [
    {
      what: `decision latency p95, ${sequential.decisions} decisions one at a time`,
      figure: ms(sequential.toNextState.p95),
      target: `< ${LATENCY_P95_LIMIT_MS} ms`,
      pass: sequential.toNextState.p95 < LATENCY_P95_LIMIT_MS,
    },
    ...latency.concurrent.flatMap((concurrent): Target[] => [
      {
        what: `decision latency p95, ${concurrent.approvers} approvers at once (quorum ${concurrent.quorum})`,
        figure: ms(concurrent.pageResponse.p95),
        target: `< ${LATENCY_P95_LIMIT_MS} ms`,
        pass: concurrent.pageResponse.p95 < LATENCY_P95_LIMIT_MS,
        note: "one Node process on this machine serves every handler and the DynamoDB emulator at once; on AWS each decision runs in its own Lambda",
      },
      {
        what: `${concurrent.approvers} approvers at once (quorum ${concurrent.quorum}): one quorum signal, no vote lost`,
        figure: `${concurrent.verification.quorumSignals} signal, ${concurrent.verification.votesRecorded} recorded, ${concurrent.verification.approvalsInOutput} in output`,
        target: "verified",
        pass: concurrent.verification.passed,
      },
    ]),
  ];
}

function programTarget(program: ProgramScaling): Target {
  return {
    what: "program evaluation linear in approvers",
    figure: `${program.msPerApprover.toFixed(1)} ms and ${program.resourcesPerApprover} resources per approver; middle run at ${program.linearity.toFixed(2)}x the line`,
    target: `within ${1 - LINEARITY_TOLERANCE}-${1 + LINEARITY_TOLERANCE}x, resources exactly linear`,
    pass: Math.abs(program.linearity - 1) <= LINEARITY_TOLERANCE && program.resourcesLinear,
  };
}

function bundleTarget(bundles: readonly HandlerBundles[]): Target {
  const offenders = bundles.filter((bundle) => bundle.unexpectedClients.length > 0 || bundle.missingClients.length > 0);
  const short = (name: string) => name.replace("@aws-sdk/", "");
  const recordExpiry = bundles.find((bundle) => bundle.handler === "record-expiry");
  return {
    what: "each deployed bundle holds exactly the SDK clients its handler uses",
    figure:
      offenders.length === 0
        ? `${bundles.length} of ${bundles.length} bundles` +
          (recordExpiry ? `; record-expiry: ${recordExpiry.clients.map(short).join(", ")}` : "")
        : offenders
            .map(
              (bundle) =>
                `${bundle.handler}: extra [${bundle.unexpectedClients.map(short).join(", ")}], missing [${bundle.missingClients.map(short).join(", ")}]`,
            )
            .join("; "),
    target: "no client of another handler (bench/bundles.ts: SDK_CLIENTS_USED)",
    pass: offenders.length === 0,
  };
}

export function judgeTargets(results: Omit<BenchResults, "targets" | "durationSeconds">): Target[] {
  return [
    ...costTargets(results.cost),
    ...latencyTargets(results.latency),
    programTarget(results.programEvaluation),
    bundleTarget(results.bundles),
  ];
}
