/**
 * `npm run bench`: state transitions and cost per request for one, two and three stages, decision
 * latency, Lambda bundle sizes and load times (SDK bundled against the SDK left to the runtime),
 * and program evaluation time, printed as a table and written to bench/results/latest.json.
 * Targets are printed with PASS/MISS for the reader; the exit code is 0 unless something crashed.
 */
import { reminderCost, type ReminderCost } from "./reminder-cost";
import { mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { DEFAULT_MEMORY_MB } from "../components/approval-function";
import { MAX_APPROVERS } from "../core/limits";
import { measureAutomatedReview, renderAutomatedReview } from "./automated-review";
import { runAwsSample } from "./aws-sample";
import { measureBundles } from "./bundles";
import {
  costPer1000,
  NO_WORK,
  SSM_BLOG_PATTERN,
  ssmPatternWork,
  transitionBudget,
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
/** Issue 10's shapes: approvers per stage, every approver approving. */
const COST_RUNS = [
  { label: "1 stage x 3", stages: [3], requests: 20, warmup: 6 },
  { label: "2 stages (1 + 3)", stages: [1, 3], requests: 15, warmup: 3 },
  { label: "3 stages (1 + 3 + 2)", stages: [1, 3, 2], requests: 15, warmup: 3 },
];
const SEQUENTIAL_DECISIONS = 200;
const APPROVERS_PER_LATENCY_REQUEST = 10;
const CONCURRENT_APPROVERS = 50;
const PROGRAM_APPROVERS = [3, 30, MAX_APPROVERS];
const PROGRAM_REPEATS = 5;
const MODULE_LOADS = 15;
const RESULTS_FILE = path.join(__dirname, "results", "latest.json");

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function main(): Promise<void> {
  const started = performance.now();
  const lambda = { memoryMb: DEFAULT_MEMORY_MB, architecture: ARCHITECTURE };

  const workflow = await startLocalWorkflow();
  const counted: Array<CountedWork & { label: string }> = [];
  let sequential;
  let reminder: ReminderCost | undefined;
  const concurrent = [];
  try {
    for (const run of COST_RUNS) {
      progress(`counting the work of ${run.requests} requests, ${run.label}`);
      const work = await countWork(workflow, run.stages, { requests: run.requests, warmup: run.warmup, lambda });
      counted.push({ label: run.label, ...work });
    }
    progress("counting the work of one reminder");
    reminder = await reminderCost(workflow, lambda);
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

  progress(`loading each handler's bundle, SDK bundled and SDK external, in ${MODULE_LOADS} fresh Node processes`);
  const bundles = measureBundles(MODULE_LOADS);
  // Function names in the counted work are topology keys, which are the handlers' entries.
  const initMs = Object.fromEntries(bundles.map((bundle) => [bundle.handler, bundle.deployed.loadMs]));

  progress("pricing an automated review (shipped Bedrock reviewer against the local Converse stand-in)");
  const automatedReview = await measureAutomatedReview();

  progress(`evaluating the program under mocks for ${PROGRAM_APPROVERS.join(", ")} approvers`);
  const programEvaluation = await measureProgramEvaluation(PROGRAM_APPROVERS, PROGRAM_REPEATS);

  const cost: CostComparison[] = [];
  for (const { label, ...ours } of counted) {
    const sample = await runAwsSample(ours.stages);
    const sampleWork: WorkPerRequest = {
      ...NO_WORK,
      stateTransitions: sample.stateTransitions,
      snsEmails: sample.snsPublishes,
    };
    const patternWork = ssmPatternWork(ours.approvers);
    cost.push({
      label,
      stages: ours.stages,
      approvers: ours.approvers,
      transitionBudget: transitionBudget(ours.stages),
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
    bundles,
    programEvaluation,
    automatedReview,
    reminder,
  };
  const results: BenchResults = {
    ...measured,
    targets: judgeTargets(measured),
    durationSeconds: (performance.now() - started) / 1000,
  };

  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, JSON.stringify(results, null, 2) + "\n");
  console.log(renderResults(results));
  console.log(`\n${renderAutomatedReview(automatedReview)}\n`);
  console.log(`Results: ${path.relative(process.cwd(), RESULTS_FILE)}`);
}

function assumptions(memoryMb: number): string[] {
  const pattern = SSM_BLOG_PATTERN;
  return [
    "Cost shapes: approvers per stage as labelled, all link (email) approvers; quorum = every approver of the stage. " +
      "Each approver opens the emailed link (GET) and approves (POST): 2 approval-page invocations and 2 HTTP API requests per approver. " +
      "A stage's approvers are emailed once the stage before it is approved.",
    "State transitions: counted from the local runner's execution events as Step Functions bills Standard workflows: every state entered, in any branch, plus every retry.",
    `Lambda: ${memoryMb} MB (DEFAULT_MEMORY_MB), ${ARCHITECTURE}. Durations measured per invocation in this process, each run alone, against dynalite ` +
      "and the sandbox's local SNS and Step Functions endpoints on loopback, rounded up to 1 ms as Lambda bills; warm containers; " +
      "AWS's own service latency is not in them. " +
      "The cold-start row adds each function's median module load time (deployed bundle, below) per invocation as billed INIT.",
    "DynamoDB: every call the handlers make, counted at the SDK; request units as dynalite computes them from item sizes " +
      "(writes 1 per KB, consistent reads 1 per 4 KB; a failed conditional write counted as 1).",
    "SNS: one email notification per approver (one email subscription per topic). SNS API requests (Publish, and ListSubscriptionsByTopic " +
      "before each ask) are counted and printed but not priced: they are not in the baseline price list.",
    "AWS sample: bench/baselines/aws-sample-parallel-approval.asl.json in the same engine, every approver answering with SendTaskSuccess " +
      "from the CLI (no Lambda, no page). Its one Parallel has 3 hard-coded branches: for other sizes its branch is repeated, and for several " +
      "stages its Parallel is repeated in sequence (it has no stages or quorum of its own). Cost: state transitions + one SNS email per approver.",
    `SSM Automation pattern: per approval ${pattern.functionsPerApproval} callback Lambdas of ${pattern.memoryMb.toLocaleString("en-US")} MB, ` +
      `${pattern.architecture} (Python 3.9 as published), ${pattern.billedMsPerInvocation} ms billed each (boto3 set-up + one or two API calls), ` +
      `plus ${pattern.automationStepsPerApproval} Automation step (free tier ignored); its own state machine and SNS not counted, in its favour.`,
    "Not counted anywhere: CloudWatch Logs, KMS requests for encrypted topics and table, data transfer, free tiers.",
    "Latency: one Node process on this machine. The POST goes over HTTP through the sandbox's API Gateway stand-in (local/http-gateway.ts); " +
      "the handler's callback reaches the local runner through the sandbox's Step Functions endpoint. " +
      'Next state: the approver\'s "Ask" state exiting, or "Close request" entered for the deciding vote.',
    "aws-local-stepfunctions 3 runs at most 40 branches of a Parallel state at once (Step Functions runs them all): with 50 approvers the last 10 are asked as branches free up.",
    "Bundles: every handler of the topology, built by components/lambda-bundle.ts as deployed (SDK clients bundled) and as before (SDK external, " +
      "left to the Lambda runtime). Load time: require() of the bundle in a fresh Node process on this machine (Node " +
      `${process.version}; Lambda runs nodejs24.x), median of the runs; the deployed bundle from an empty directory without NODE_PATH, ` +
      "the other with this repository's node_modules on NODE_PATH as the runtime puts its SDK there. Not Lambda's INIT itself: no sandbox start, no runtime bootstrap.",
  ];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
