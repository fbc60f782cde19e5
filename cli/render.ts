/**
 * What the CLI prints: progress lines as decisions arrive, the outcome with every stage's
 * decisions, and the one JSON document of --json. Everything that came from a request or a
 * person goes through terminalSafe. Pure.
 */
import { DECISION_WORDS } from "../core/decision-words";
import type { DecisionEntry, ExecutionOutput } from "../core/model";
import { terminalSafe } from "../core/text";
import type { ProgressDecision, ProgressItem } from "./progress";
import type { Described } from "./wait";

/** Exit codes (README: "The parallel-approval CLI"). */
export const EXIT = { approved: 0, error: 1, rejected: 2, expired: 3, pending: 4, interrupted: 130 } as const;

// A stage's row for an approver who never decided says so (the output has no decision for them).
const WORD: Record<string, string> = { ...DECISION_WORDS, none: "did not decide" };

const stageLabel = (stage: number, name?: string) => `stage ${stage + 1}${name === undefined ? "" : ` ${name}`}`;

/** One progress line, or undefined for what is not worth a line. */
export function progressLine(item: ProgressItem): string | undefined {
  switch (item.kind) {
    case "stageOpened":
      return `${stageLabel(item.stage, item.name)}: opened`;
    case "asked":
      return undefined;
    case "decision": {
      const by = item.decidedBy === undefined ? "" : ` (${terminalSafe(item.decidedBy)})`;
      const ended = item.endedStage === undefined ? "" : `; the stage is ${item.endedStage}`;
      return `${stageLabel(item.stage, item.stageName)}: ${terminalSafe(item.approver)} ${WORD[item.decision] ?? item.decision}${by}${ended}`;
    }
  }
}

/** The TTY status line: how long, and where each stage stands. */
export function statusLine(elapsedMs: number, asked: number, decisions: readonly ProgressDecision[]): string {
  const minutes = Math.floor(elapsedMs / 60000);
  const seconds = Math.floor((elapsedMs % 60000) / 1000);
  const approvals = decisions.filter((d) => d.decision === "approve").length;
  return `waiting ${minutes}m${String(seconds).padStart(2, "0")}s: ${decisions.length} decision(s) of ${asked} asked, ${approvals} approval(s)`;
}

function tally(decisions: DecisionEntry[], quorum: number): string {
  const voters = decisions.filter((d) => d.mode !== "advice");
  if (voters.length === 0) return "advice only";
  return `${voters.filter((d) => d.decision === "approve").length} of ${voters.length} approved; quorum ${quorum}`;
}

function decisionRow(entry: DecisionEntry, width: number): string {
  const parts = [
    `    ${terminalSafe(entry.approver).padEnd(width)}  ${(WORD[entry.decision] ?? entry.decision).padEnd(20)}`,
  ];
  if (entry.mode === "advice") parts.push("(advice)");
  if (entry.decidedBy !== undefined && entry.channel !== "deadline") parts.push(terminalSafe(entry.decidedBy));
  if (entry.comment !== undefined) parts.push(`"${terminalSafe(entry.comment).replace(/\s+/g, " ")}"`);
  if (entry.reason !== undefined) parts.push(`(${terminalSafe(entry.reason).replace(/\s+/g, " ")})`);
  return parts.join(" ").trimEnd();
}

/** The outcome and every stage's decisions, for a SUCCEEDED execution. */
export function outcomeText(executionArn: string, output: ExecutionOutput): string {
  const lines = [
    `Outcome: ${output.outcome.toUpperCase()}${output.endedInStage ? ` (in stage ${output.endedInStage})` : ""}`,
  ];
  output.stages.forEach((stage, index) => {
    const counts = stage.outcome === "notReached" ? "" : ` (${tally(stage.decisions, stage.quorum)})`;
    lines.push(`  ${stageLabel(index, stage.name)}: ${stage.outcome}${counts}`);
    const width = Math.max(...stage.decisions.map((d) => d.approver.length), 1);
    for (const entry of stage.decisions) lines.push(decisionRow(entry, width));
  });
  lines.push(`Execution: ${executionArn}`);
  return lines.join("\n");
}

/** An execution that did not succeed, or is still running. */
export function unfinishedText(described: Described, timedOutAfter?: string): string {
  const arn = described.executionArn ?? "";
  if (described.status === "RUNNING")
    return [
      `Still pending${timedOutAfter ? ` after ${timedOutAfter}` : ""}: nobody has decided the outcome yet.`,
      `Execution: ${arn}`,
      `Wait again with: npx parallel-approval wait ${arn}`,
    ].join("\n");
  const error = described.error ? `: ${terminalSafe(described.error)}` : "";
  const lines = [`The execution ended ${described.status}${error}; the request is not approved.`];
  if (described.cause) lines.push(`  cause: ${terminalSafe(described.cause)}`);
  lines.push(`Execution: ${arn}`);
  return lines.join("\n");
}

/** The progress decisions as the output's entries (stage by name when known). */
function progressEntries(decisions: readonly ProgressDecision[]): Partial<DecisionEntry>[] {
  return decisions.map((d) => ({
    stage: d.stageName ?? String(d.stage + 1),
    approver: d.approver,
    decision: d.decision,
    ...(d.decidedBy === undefined ? {} : { decidedBy: d.decidedBy }),
    ...(d.decidedAt === undefined ? {} : { decidedAt: d.decidedAt }),
    ...(d.channel === undefined ? {} : { channel: d.channel }),
  }));
}

/**
 * --json: one document. SUCCEEDED: the execution output plus executionArn and status. Otherwise
 * executionArn, status, error and cause when there are any, and the decisions known so far.
 */
export function jsonDocument(described: Described, progress: readonly ProgressDecision[]): Record<string, unknown> {
  const base = { executionArn: described.executionArn, status: described.status };
  if (described.status === "SUCCEEDED" && described.output !== undefined)
    return { ...base, ...(JSON.parse(described.output) as ExecutionOutput) };
  return {
    ...base,
    ...(described.error ? { error: described.error } : {}),
    ...(described.cause ? { cause: described.cause } : {}),
    decisions: progressEntries(progress),
  };
}

/** The exit code for how the execution stands. */
export function exitCodeOf(described: Described): number {
  if (described.status === "RUNNING" || described.status === "PENDING_REDRIVE") return EXIT.pending;
  if (described.status !== "SUCCEEDED" || described.output === undefined) return EXIT.error;
  const outcome = (JSON.parse(described.output) as Partial<ExecutionOutput>).outcome;
  if (outcome === "approved") return EXIT.approved;
  if (outcome === "rejected") return EXIT.rejected;
  if (outcome === "expired") return EXIT.expired;
  return EXIT.error;
}
