/**
 * `npm run bench`: cost per request, decision latency, cold start proxy and program evaluation
 * time, printed as a table and written to bench/results/latest.json. Targets are printed with
 * PASS/MISS for the reader; the exit code is 0 unless something crashed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { DEFAULT_MEMORY_MB } from "../components/approval-function";
import { MAX_APPROVERS } from "../components/config";
import { runAwsSample } from "./aws-sample";
import { measureColdStarts } from "./cold-start";
import {
  costPer1000,
  NO_WORK,
  SSM_BLOG_PATTERN,
  ssmPatternWork,
  withColdStarts,
  type Architecture,
  type WorkPerRequest,
} from "./cost";
import { countWork, type CountedWork } from "./cost-workload";
import { concurrentDecisions, sequentialLatency } from "./latency";
import { startLocalWorkflow } from "./local-workflow";
import { PRICE_REGION, PRICES, PRICES_RECORDED_ON } from "./prices";
import { measureProgramEvaluation } from "./program-evaluation";
import { judgeTargets, type BenchResults, type CostComparison } from "./report";
import { renderResults } from "./table";

/** As components/approval-function.ts deploys every function. */
const ARCHITECTURE: Architecture = "arm64";
const COST_RUNS = [
  { approvers: 3, requests: 20, warmup: 6 },
  { approvers: 10, requests: 10, warmup: 2 },
];
const SEQUENTIAL_DECISIONS = 200;
const APPROVERS_PER_LATENCY_REQUEST = 10;
const CONCURRENT_APPROVERS = 50;
const PROGRAM_APPROVERS = [3, 30, MAX_APPROVERS];
const PROGRAM_REPEATS = 5;
const MODULE_LOADS = 20;
const RESULTS_FILE = path.join(__dirname, "results", "latest.json");

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function main(): Promise<void> {
  const started = performance.now();
  const lambda = { memoryMb: DEFAULT_MEMORY_MB, architecture: ARCHITECTURE };

  const workflow = await startLocalWorkflow();
  const counted: CountedWork[] = [];
  let sequential;
  const concurrent = [];
  try {
    for (const run of COST_RUNS) {
      progress(`counting the work of ${run.requests} requests with ${run.approvers} approvers`);
      counted.push(await countWork(workflow, run.approvers, { requests: run.requests, warmup: run.warmup, lambda }));
    }
    progress(`timing ${SEQUENTIAL_DECISIONS} decisions`);
    sequential = await sequentialLatency(workflow, SEQUENTIAL_DECISIONS, APPROVERS_PER_LATENCY_REQUEST);
    progress(`${CONCURRENT_APPROVERS} approvers deciding at once`);
    concurrent.push(await concurrentDecisions(workflow, CONCURRENT_APPROVERS));
    concurrent.push(
      await concurrentDecisions(workflow, CONCURRENT_APPROVERS, Math.floor(CONCURRENT_APPROVERS / 2) + 1),
    );
  } finally {
    await workflow.stop();
  }

  progress(`loading each bundled handler in ${MODULE_LOADS} fresh Node processes`);
  const coldStart = measureColdStarts(MODULE_LOADS);
  const initMs = Object.fromEntries(coldStart.map((c) => [c.handler, c.loadMs]));

  progress(`evaluating the program under mocks for ${PROGRAM_APPROVERS.join(", ")} approvers`);
  const programEvaluation = await measureProgramEvaluation(PROGRAM_APPROVERS, PROGRAM_REPEATS);

  const cost: CostComparison[] = [];
  for (const ours of counted) {
    const sample = await runAwsSample(ours.approvers);
    const sampleWork: WorkPerRequest = {
      ...NO_WORK,
      stateTransitions: sample.stateTransitions,
      snsEmails: sample.snsPublishes,
    };
    const patternWork = ssmPatternWork(ours.approvers);
    cost.push({
      approvers: ours.approvers,
      ours: { ...ours, cost: costPer1000(ours.work), coldCost: costPer1000(withColdStarts(ours.work, initMs)) },
      awsSample: { ...sample, work: sampleWork, cost: costPer1000(sampleWork) },
      ssmPattern: { work: patternWork, cost: costPer1000(patternWork) },
    });
  }

  const measured = {
    generatedAt: new Date().toISOString(),
    environment: {
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    },
    prices: { region: PRICE_REGION, recordedOn: PRICES_RECORDED_ON, items: PRICES },
    assumptions: assumptions(lambda.memoryMb),
    cost,
    latency: { sequential, concurrent },
    coldStart,
    programEvaluation,
  };
  const results: BenchResults = {
    ...measured,
    targets: judgeTargets(measured),
    durationSeconds: (performance.now() - started) / 1000,
  };

  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, JSON.stringify(results, null, 2) + "\n");
  console.log(renderResults(results));
  console.log(`Results: ${path.relative(process.cwd(), RESULTS_FILE)}`);
}

function assumptions(memoryMb: number): string[] {
  const pattern = SSM_BLOG_PATTERN;
  return [
    "Quorum = every approver. Each approver opens the emailed link (GET) and approves (POST): 2 approval-page invocations and 2 HTTP API requests per approver.",
    `Lambda: ${memoryMb} MB (DEFAULT_MEMORY_MB), ${ARCHITECTURE}. Durations measured per invocation in this process, each run alone, against dynalite ` +
      "and the sandbox's local SNS and Step Functions endpoints on loopback, rounded up to 1 ms as Lambda bills; warm containers; " +
      "AWS's own service latency is not in them. " +
      "The cold-start row adds each function's median module load time (below) per invocation as billed INIT.",
    "DynamoDB: every call the handlers make, counted at the SDK; request units as dynalite computes them from item sizes " +
      "(writes 1 per KB, consistent reads 1 per 4 KB; a failed conditional write counted as 1).",
    "SNS: one email notification per approver (one email subscription per topic); publish requests not priced.",
    "AWS sample: bench/baselines/aws-sample-parallel-approval.asl.json in the same engine, every approver answering with SendTaskSuccess " +
      "from the CLI (no Lambda, no page); for 10 approvers its branch is repeated. Cost: state transitions + one SNS email per approver.",
    `SSM Automation pattern: per approval ${pattern.functionsPerApproval} callback Lambdas of ${pattern.memoryMb.toLocaleString("en-US")} MB, ` +
      `${pattern.architecture} (Python 3.9 as published), ${pattern.billedMsPerInvocation} ms billed each (boto3 set-up + one or two API calls), ` +
      `plus ${pattern.automationStepsPerApproval} Automation step (free tier ignored); its own state machine and SNS not counted, in its favour.`,
    "Not counted anywhere: CloudWatch Logs, KMS requests for encrypted topics and table, data transfer, free tiers.",
    "Latency: one Node process on this machine. The POST goes over HTTP through the sandbox's API Gateway stand-in (local/http-gateway.ts); " +
      "the handler's callback reaches the local runner through the sandbox's Step Functions endpoint. " +
      'Next state: the approver\'s "Ask" state exiting, or "Close request" entered for the deciding vote.',
    "aws-local-stepfunctions 3 runs at most 40 branches of a Parallel state at once (Step Functions runs them all): with 50 approvers the last 10 are asked as branches free up.",
  ];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
