/**
 * What the sandbox CLI prints, as pure functions of what happened: the round's header, each
 * stage opening and ending, each approver's email and link, each decision, the outcome and the
 * execution output. Plain text, no colours, so it reads the same in a terminal, a CI log and a
 * test. Everything that came from a request or a person goes through terminalSafe: a comment
 * cannot move the cursor, erase a line or fake another approver's decision.
 */
import { DECISION_WORDS } from "../core/decision-words";
import { formatDuration } from "../core/durations";
import type { ExecutionInput, ExecutionOutput, StageOutput } from "../core/model";
import type { WorkflowSettings } from "../core/settings";
import { terminalSafe } from "../core/text";
import type { FunctionLogLine } from "./local-functions";
import type { ApproverAsked, DecisionArrived, SandboxEvent, SandboxResult } from "./round-events";
import type { StackSettings } from "./stack-config";

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? prefix.trimEnd() : prefix + line))
    .join("\n");
}

function stageSummary(stage: WorkflowSettings["stages"][number]): string {
  const voters = stage.approvers.filter((a) => a.mode === "vote").length;
  const advisors = stage.approvers.length - voters;
  const quorum = voters === 0 ? "advice only" : `quorum ${stage.quorum} of ${voters}`;
  return `${stage.approvers.map((a) => a.name).join(", ")}; ${quorum}${advisors > 0 && voters > 0 ? ` (+${advisors} advice)` : ""}; ${formatDuration(stage.timeoutSeconds)} each to decide`;
}

export interface HeaderNotes {
  /** Every stage's time to decide comes from --timeout. */
  timeoutOverridden?: boolean;
  /** Approvers whose email subscription is left unconfirmed (--unconfirmed). */
  unconfirmed?: readonly string[];
}

export function roundHeader(
  stack: StackSettings,
  request: ExecutionInput,
  settings: WorkflowSettings,
  pageUrl: string,
  notes: HeaderNotes = {},
): string {
  const note = notes.timeoutOverridden ? " (--timeout)" : "";
  const lines = [`parallel-approval sandbox: stack "${stack.stack}" (${stack.file})`];
  if (settings.stages.length === 1) lines.push(`  approvers: ${stageSummary(settings.stages[0])}${note}`);
  else
    settings.stages.forEach((stage, i) => lines.push(`  stage ${i + 1} ${stage.name}: ${stageSummary(stage)}${note}`));
  if (notes.unconfirmed && notes.unconfirmed.length > 0)
    lines.push(`  unconfirmed email subscriptions (--unconfirmed): ${notes.unconfirmed.join(", ")}`);
  lines.push(
    `  request:   ${terminalSafe(request.subject)}`,
    `  pages:     ${pageUrl} (127.0.0.1 only; no AWS account is used)`,
    "",
  );
  return lines.join("\n");
}

/** The email SNS would deliver, as the approver would read it. */
export function emailText(asked: ApproverAsked): string {
  if (!asked.email) return `${asked.approver} <${asked.address}>: asked through the ${asked.channel} channel`;
  const from = asked.sender === undefined ? "" : `, from ${asked.sender}`;
  const lines = [`Email to ${asked.approver} <${asked.recipient}>${from}`];
  if (asked.email.subject !== undefined) lines.push(`  Subject: ${terminalSafe(asked.email.subject)}`);
  lines.push(indent(terminalSafe(asked.email.message), "  | "), "");
  return lines.join("\n");
}

const stageLabel = (stage: number, count: number, name: string) => `Stage ${stage + 1} of ${count} (${name})`;

export function linkList(asked: readonly ApproverAsked[], stage = 0, stages = 1): string {
  const width = Math.max(...asked.map((a) => a.approver.length));
  const which = stages > 1 ? ` for stage ${stage + 1} of ${stages}` : "";
  return [
    `Approval links${which} (open them in a browser; opening a link decides nothing):`,
    ...asked.map((a) => `  ${a.approver.padEnd(width)}  ${a.link}`),
    "",
    "Waiting for decisions (Ctrl-C to stop)...",
  ].join("\n");
}

/** A stage opening, for a round of several stages (one stage needs no heading). */
export function stageOpenedLine(event: Extract<SandboxEvent, { type: "stageOpened" }>): string | undefined {
  if (event.count < 2) return undefined;
  return `${event.stage > 0 ? "\n" : ""}${stageLabel(event.stage, event.count, event.name)} opened.`;
}

/** A stage ending, for a round of several stages; says when it ends the request before its last stage. */
export function stageEndedLine(event: Extract<SandboxEvent, { type: "stageEnded" }>): string | undefined {
  if (event.count < 2) return undefined;
  const label = stageLabel(event.stage, event.count, event.name);
  if (event.outcome === undefined) return `${label} ended before its outcome was certain.`;
  const last = event.stage + 1 === event.count;
  const after = event.outcome !== "approved" && !last ? "; the request ends here, later stages are not asked" : "";
  return `${label} ended: ${event.outcome}${after}.`;
}

/** One decision as it arrived: time, approver, what they decided and through what. */
export function decisionLine({ approver, vote }: DecisionArrived): string {
  const time = vote.decidedAt.slice(11, 19);
  const what = `${terminalSafe(approver)} ${DECISION_WORDS[vote.decision]}`;
  if (vote.channel === "deadline") return `  ${time}  ${what}`;
  const quoted = (text: string) => `"${terminalSafe(text).replace(/\s+/g, " ")}"`;
  if (vote.decision !== "approve" && vote.decision !== "reject") {
    const reason = vote.reason === undefined ? "" : `: ${terminalSafe(vote.reason).replace(/\s+/g, " ")}`;
    return `  ${time}  ${what}${reason} (${vote.channel} channel)`;
  }
  const comment = vote.comment === undefined ? "" : `: ${quoted(vote.comment)}`;
  return `  ${time}  ${what}${comment} (${terminalSafe(vote.decidedBy)}, ${vote.channel})`;
}

const STAGE_OUTCOME_WORD: Record<StageOutput["outcome"], string> = {
  approved: "approved",
  rejected: "rejected",
  expired: "expired",
  notReached: "not reached",
  undecided: "undecided",
};

/** "2 of 3 approved; quorum 2", from a stage's decisions (advisors do not count). */
function tally(stage: StageOutput): string {
  const voters = stage.decisions.filter((d) => d.mode !== "advice");
  if (voters.length === 0) return "advice only";
  const approvals = voters.filter((d) => d.decision === "approve").length;
  return `${approvals} of ${voters.length} approved; quorum ${stage.quorum}`;
}

function outcomeLines(output: ExecutionOutput): string[] {
  const { outcome, stages, endedInStage } = output;
  if (stages.length === 1) return [`Outcome: ${outcome.toUpperCase()} (${tally(stages[0])})`];
  const ended = stages.findIndex((stage) => stage.name === endedInStage);
  const where = ended < 0 ? "" : ` in stage ${ended + 1} of ${stages.length} (${endedInStage})`;
  return [
    `Outcome: ${outcome.toUpperCase()}${where}`,
    ...stages.map((stage, i) => {
      const counts = stage.outcome === "notReached" ? "" : ` (${tally(stage)})`;
      return `  stage ${i + 1} ${stage.name}: ${STAGE_OUTCOME_WORD[stage.outcome]}${counts}`;
    }),
  ];
}

export function outcomeText(result: SandboxResult): string {
  if (result.status === "SUCCEEDED" && result.output) {
    return [
      "",
      ...outcomeLines(result.output),
      "Execution output:",
      terminalSafe(JSON.stringify(result.output, null, 2)),
    ].join("\n");
  }
  const lines = ["", `The execution ended ${result.status}${result.error ? `: ${terminalSafe(result.error)}` : ""}`];
  if (result.cause) lines.push(`  cause: ${terminalSafe(result.cause)}`);
  return lines.join("\n");
}

/** A handler's log line, shown with --verbose (every line) or when it is a warning or an error. */
export function logLine(entry: FunctionLogLine, verbose: boolean): string | undefined {
  let level: string | undefined;
  try {
    level = (JSON.parse(entry.line) as { level?: string }).level?.toLowerCase();
  } catch {
    level = undefined;
  }
  const notable = level === "warn" || level === "error";
  if (!verbose && !notable) return undefined;
  return `  [${entry.functionName}] ${terminalSafe(entry.line)}`;
}
