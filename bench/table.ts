/** Renders the benchmark results as the plain-text report `npm run bench` prints. Pure. */
import { reminderSection } from "./reminder-cost";
import type { CostPer1000, WorkPerRequest } from "./cost";
import type { BenchResults, CostComparison } from "./report";
import type { Summary } from "./stats";

/** Left-aligns the first column, right-aligns the others. */
export function renderTable(rows: string[][], indent = "  "): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows
    .map(
      (row) =>
        indent +
        row
          .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
          .join("   ")
          .trimEnd(),
    )
    .join("\n");
}

const usd = (value: number) => `$${value.toFixed(4)}`;
const num = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
const ms = (value: number) => `${value.toFixed(1)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

const invocations = (work: WorkPerRequest) => work.lambdas.reduce((sum, usage) => sum + usage.invocations, 0);
const billedMs = (work: WorkPerRequest) => work.lambdas.reduce((sum, usage) => sum + usage.billedMs, 0);
const lambdaUsd = (cost: CostPer1000) => cost.lambdaRequests + cost.lambdaCompute;

function costSection(comparisons: CostComparison[]): string {
  const row = (label: string, value: (comparison: CostComparison) => string) => [label, ...comparisons.map(value)];
  const rows = [
    ["", ...comparisons.map((comparison) => comparison.label)],
    ["This workflow (counted from local runs)", ...comparisons.map(() => "")],
    row("  state transitions / request", (c) => num(c.ours.work.stateTransitions)),
    row("  at most (one stage: N + 3; S stages: Σ(Nₛ + 1) + 2)", (c) => num(c.transitionBudget)),
    row(
      "  Lambda invocations / billed ms per request",
      (c) => `${num(invocations(c.ours.work))} / ${num(billedMs(c.ours.work))}`,
    ),
    row(
      "  DynamoDB write / read request units",
      (c) => `${num(c.ours.work.dynamoWriteUnits)} / ${num(c.ours.work.dynamoReadUnits)}`,
    ),
    row(
      "  SNS emails / HTTP API requests",
      (c) => `${num(c.ours.work.snsEmails)} / ${num(c.ours.work.httpApiRequests)}`,
    ),
    row("  SNS API requests (not priced)", (c) => num(Object.values(c.ours.snsRequests).reduce((a, b) => a + b, 0))),
    row("  Step Functions", (c) => usd(c.ours.cost.stepFunctions)),
    row("  Lambda (requests + GB-s)", (c) => usd(lambdaUsd(c.ours.cost))),
    row("  DynamoDB", (c) => usd(c.ours.cost.dynamoDb)),
    row("  SNS email", (c) => usd(c.ours.cost.sns)),
    row("  API Gateway HTTP API", (c) => usd(c.ours.cost.httpApi)),
    row("  total", (c) => usd(c.ours.cost.total)),
    row("  total if every invocation were a cold start", (c) => usd(c.ours.coldCost.total)),
    ["AWS sample (same local engine; one Parallel per stage, in sequence)", ...comparisons.map(() => "")],
    row("  state transitions / request", (c) => num(c.awsSample.stateTransitions)),
    row("  Step Functions", (c) => usd(c.awsSample.cost.stepFunctions)),
    row("  SNS email", (c) => usd(c.awsSample.cost.sns)),
    row("  total", (c) => usd(c.awsSample.cost.total)),
    ["SSM Automation blog pattern (its state machine not counted)", ...comparisons.map(() => "")],
    row("  2 x 10,240 MB Lambda x 1 s per approval", (c) => usd(lambdaUsd(c.ssmPattern.cost))),
    row("  SSM Automation aws:approve steps", (c) => usd(c.ssmPattern.cost.ssmAutomation)),
    row("  total", (c) => usd(c.ssmPattern.cost.total)),
    ["Ratios", ...comparisons.map(() => "")],
    row("  ours / AWS sample, totals", (c) => `${(c.ours.cost.total / c.awsSample.cost.total).toFixed(2)}x`),
    row(
      "  ours / AWS sample, Step Functions only",
      (c) => `${(c.ours.cost.stepFunctions / c.awsSample.cost.stepFunctions).toFixed(2)}x`,
    ),
    row("  SSM pattern / ours, totals", (c) => `${(c.ssmPattern.cost.total / c.ours.cost.total).toFixed(0)}x`),
    row(
      "  SSM pattern / ours, Lambda only",
      (c) => `${(lambdaUsd(c.ssmPattern.cost) / lambdaUsd(c.ours.cost)).toFixed(0)}x`,
    ),
  ];
  return renderTable(rows);
}

function latencyRows(label: string, summary: Summary): string[] {
  return [label, ms(summary.p50), ms(summary.p95), ms(summary.max), String(summary.samples)];
}

function latencySection(results: BenchResults): string {
  const { sequential, concurrent } = results.latency;
  const rows = [
    ["", "p50", "p95", "max", "samples"],
    latencyRows(
      `one at a time (${sequential.approversPerRequest} approvers per request): POST -> next state`,
      sequential.toNextState,
    ),
    latencyRows("one at a time: POST -> page answer", sequential.pageResponse),
    ...concurrent.map((run) =>
      latencyRows(`${run.approvers} at once, quorum ${run.quorum}: POST -> page answer`, run.pageResponse),
    ),
  ];
  const verifications = concurrent.map((run) => {
    const wave =
      run.simultaneous < run.approvers
        ? ` (${run.simultaneous} sent together, the rest as the local engine asked them)`
        : "";
    return [
      `  ${run.approvers} approvers at once, quorum ${run.quorum}${wave}: first POST -> "Close request" ${ms(run.toClose)}; ${run.verification.passed ? "verified" : "VERIFICATION FAILED"}`,
      ...run.verification.checks.map((check) => `    ${check}`),
    ].join("\n");
  });
  return [renderTable(rows), ...verifications].join("\n");
}

function bundleSection(results: BenchResults): string {
  const loads = results.bundles[0]?.loads ?? 0;
  const rows = [
    ["", "SDK bundled (deployed)", "", "", "SDK from the runtime (before)", "", "load"],
    ["handler", "bundle", "zipped", "load", "bundle", "load", "ratio"],
    ...results.bundles.map((b) => [
      b.handler,
      kb(b.deployed.bytes),
      kb(b.deployed.zippedBytes),
      ms(b.deployed.loadMs),
      kb(b.runtimeSdk.bytes),
      ms(b.runtimeSdk.loadMs),
      `${(b.deployed.loadMs / b.runtimeSdk.loadMs).toFixed(2)}x`,
    ]),
  ];
  const clients = results.bundles.map(
    (b) =>
      `  ${b.handler}: ${b.clients.map((name) => name.replace("@aws-sdk/", "")).join(", ")}` +
      (b.unexpectedClients.length > 0 ? `  EXTRA: ${b.unexpectedClients.join(", ")}` : "") +
      (b.missingClients.length > 0 ? `  MISSING: ${b.missingClients.join(", ")}` : ""),
  );
  return [
    renderTable(rows),
    `  load: median of ${loads} fresh Node processes each, require() only; ratio = deployed / before`,
    "SDK clients in each deployed bundle (esbuild metafile)",
    ...clients,
  ].join("\n");
}

function programSection(results: BenchResults): string {
  const program = results.programEvaluation;
  const rows = [
    ["approvers", "evaluation (fastest)", "(median)", "resources"],
    ...program.evaluations.map((e) => [String(e.approvers), ms(e.ms), ms(e.medianMs), String(e.resources)]),
  ];
  return [
    renderTable(rows),
    `  per approver: ${num(program.resourcesPerApprover)} resources, ${program.msPerApprover.toFixed(1)} ms; fixed: ${num(program.fixedResources)} resources; ` +
      `middle run at ${program.linearity.toFixed(2)}x the straight line through the outer two`,
  ].join("\n");
}

function targetsSection(results: BenchResults): string {
  return results.targets
    .map(
      (target) =>
        `  ${target.pass ? "PASS" : "MISS"}  ${target.what}: ${target.figure} (target ${target.target})${target.note ? `\n        ${target.note}` : ""}`,
    )
    .join("\n");
}

export function renderResults(results: BenchResults): string {
  const { environment, prices } = results;
  return [
    `parallel-approval benchmarks, ${results.generatedAt} (Node ${environment.node}, ${environment.cpus} x ${environment.cpuModel})`,
    "",
    `Cost per 1,000 requests, every approver approves (USD, ${prices.region} list prices recorded ${prices.recordedOn})`,
    costSection(results.cost),
    "",
    ...(results.reminder === undefined
      ? []
      : [
          "The cost of one reminder (a request decided after one reminder, less one decided at once)",
          reminderSection(results.reminder),
          "",
        ]),
    "Decision latency, local (handlers against dynalite, the real definition in aws-local-stepfunctions)",
    latencySection(results),
    "",
    "Lambda bundles and cold start proxy (require() in a fresh Node process)",
    bundleSection(results),
    "",
    "Program evaluation under Pulumi mocks",
    programSection(results),
    "",
    "Targets (informational)",
    targetsSection(results),
    "",
    "Assumptions",
    ...results.assumptions.map((line) => `  - ${line}`),
    "",
    "Prices",
    ...Object.values(prices.items).map(
      (price) => `  - $${price.usd} per ${price.per.toLocaleString("en-US")} ${price.unit}: ${price.source}`,
    ),
    "",
    `Done in ${results.durationSeconds.toFixed(0)} s.`,
  ].join("\n");
}
