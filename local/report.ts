/**
 * What the sandbox CLI prints, as pure functions of what happened: the round's header, each
 * stage opening and ending, each approver's email and link, each decision, the outcome and the
 * execution output. Plain text, no colours, so it reads the same in a terminal, a CI log and a
 * test. Everything that came from a request or a person goes through terminalSafe: a comment
 * cannot move the cursor, erase a line or fake another approver's decision.
 */
import { formatDuration } from "../core/durations";
import type { Decision, ExecutionInput } from "../core/model";
import type { WorkflowSettings } from "../core/settings";
import { terminalSafe } from "../core/text";
import type { FunctionLogLine } from "./local-functions";
import type { ApproverAsked, DecisionArrived, SandboxEvent, SandboxResult } from "./round-events";
import type { StackSettings } from "./stack-config";

const DECISION_WORD: Record<Decision, string> = {
  approve: "approved",
  reject: "rejected",
  expired: "missed the deadline",
  unreachable: "could not be reached",
  failed: "could not be asked (channel failed)",
  abstained: "abstained",
};

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

export function roundHeader(
  stack: StackSettings,
  request: ExecutionInput,
  settings: WorkflowSettings,
  pageUrl: string,
  overridden = false,
): string {
  const note = overridden ? " (--timeout)" : "";
  const lines = [`parallel-approval sandbox: stack "${stack.stack}" (${stack.file})`];
  if (settings.stages.length === 1) lines.push(`  approvers: ${stageSummary(settings.stages[0])}${note}`);
  else
    settings.stages.forEach((stage, i) => lines.push(`  stage ${i + 1} ${stage.name}: ${stageSummary(stage)}${note}`));
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
  const from = asked.channel === "iam" ? `, from SSM Automation (decides as ${asked.address})` : "";
  const lines = [`Email to ${asked.approver} <${asked.recipient}>${from}`];
  if (asked.email.subject !== undefined) lines.push(`  Subject: ${terminalSafe(asked.email.subject)}`);
  lines.push(indent(terminalSafe(asked.email.message), "  | "), "");
  return lines.join("\n");
}

export function linkList(asked: readonly ApproverAsked[], stage = 0, stages = 1): string {
  const width = Math.max(...asked.map((a) => a.approver.length));
  const which = stages > 1 ? ` for stage ${stage + 1}` : "";
  return [
    `Approval links${which} (open them in a browser; opening a link decides nothing):`,
    ...asked.map((a) => `  ${a.approver.padEnd(width)}  ${a.link}`),
    "",
    "Waiting for decisions (Ctrl-C to stop)...",
  ].join("\n");
}

export function stageOpenedLine(event: Extract<SandboxEvent, { type: "stageOpened" }>): string {
  return event.count > 1 ? `\nStage ${event.stage + 1} of ${event.count} (${event.name}) opened.` : "";
}

export function stageEndedLine(event: Extract<SandboxEvent, { type: "stageEnded" }>): string {
  return `Stage ${event.stage + 1} (${event.name}) ended${event.outcome ? `: ${event.outcome}` : ""}.`;
}

export function decisionLine({ approver, vote, stageName }: DecisionArrived): string {
  const time = vote.decidedAt.slice(11, 19);
  const note = vote.comment ?? vote.reason;
  const text = note === undefined ? "" : `: "${terminalSafe(note).replace(/\s+/g, " ")}"`;
  const by = vote.channel === "deadline" ? "deadline passed" : `${terminalSafe(vote.decidedBy)}, ${vote.channel}`;
  return `  ${time}  [${stageName}] ${approver} ${DECISION_WORD[vote.decision]}${text} (${by})`;
}

export function outcomeText(result: SandboxResult): string {
  if (result.status === "SUCCEEDED" && result.output) {
    const { outcome, stages, endedInStage } = result.output;
    const perStage = stages.map((stage) => `${stage.name} ${stage.outcome}`).join(", ");
    const where = endedInStage === undefined ? "" : ` in stage ${endedInStage}`;
    return [
      "",
      `Outcome: ${outcome.toUpperCase()}${where} (${perStage})`,
      "Execution output:",
      terminalSafe(JSON.stringify(result.output, null, 2)),
    ].join("\n");
  }
  const lines = ["", `The execution ended ${result.status}${result.error ? `: ${result.error}` : ""}`];
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
