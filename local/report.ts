/**
 * What the sandbox CLI prints, as pure functions of what happened: the round's header, each
 * approver's email and link, each decision, the outcome and the execution output. Plain text, no
 * colours, so it reads the same in a terminal, a CI log and a test.
 */
import { formatDuration } from "../components/config";
import type { ExecutionInput, Vote } from "../lambdas/shared/model";
import type { FunctionLogLine } from "./local-functions";
import type { ApproverAsked, DecisionArrived, SandboxResult } from "./sandbox";
import type { StackSettings } from "./stack-config";

const DECISION_WORD: Record<Vote["decision"], string> = { approve: "approved", reject: "rejected", expired: "expired" };

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? prefix.trimEnd() : prefix + line))
    .join("\n");
}

export function roundHeader(
  stack: StackSettings,
  request: ExecutionInput,
  timeoutSeconds: number,
  pageUrl: string,
): string {
  const { approvers, quorum } = stack.settings;
  const overridden = timeoutSeconds !== stack.settings.approvalTimeoutSeconds ? " (--timeout)" : "";
  return [
    `parallel-approval sandbox: stack "${stack.stack}" (${stack.file})`,
    `  approvers: ${approvers.map((a) => a.name).join(", ")}; quorum ${quorum} of ${approvers.length}; ${formatDuration(timeoutSeconds)} each to decide${overridden}`,
    `  request:   ${request.subject}`,
    `  pages:     ${pageUrl} (127.0.0.1 only; no AWS account is used)`,
    "",
  ].join("\n");
}

/** The email SNS would deliver, as the approver would read it. */
export function emailText(asked: ApproverAsked): string {
  if (!asked.email) return `${asked.approver} <${asked.address}>: asked through the ${asked.channel} channel`;
  const lines = [
    `Email to ${asked.approver} <${asked.recipient}>${asked.channel === "iam" ? `, from SSM Automation (decides as ${asked.address})` : ""}`,
  ];
  if (asked.email.subject !== undefined) lines.push(`  Subject: ${asked.email.subject}`);
  lines.push(indent(asked.email.message, "  | "), "");
  return lines.join("\n");
}

export function linkList(asked: readonly ApproverAsked[]): string {
  const width = Math.max(...asked.map((a) => a.approver.length));
  return [
    "Approval links (open them in a browser; opening a link decides nothing):",
    ...asked.map((a) => `  ${a.approver.padEnd(width)}  ${a.link}`),
    "",
    "Waiting for decisions (Ctrl-C to stop)...",
  ].join("\n");
}

export function decisionLine({ approver, vote }: DecisionArrived): string {
  const time = vote.decidedAt.slice(11, 19);
  const comment = vote.comment === undefined ? "" : `: "${vote.comment.replace(/\s+/g, " ")}"`;
  const by = vote.channel === "deadline" ? "deadline passed" : `${vote.decidedBy}, ${vote.channel}`;
  return `  ${time}  ${approver} ${DECISION_WORD[vote.decision]}${comment} (${by})`;
}

export function outcomeText(result: SandboxResult): string {
  if (result.status === "SUCCEEDED" && result.output) {
    const { outcome, decisions, request } = result.output;
    const approvals = decisions.filter((d) => d.decision === "approve").length;
    return [
      "",
      `Outcome: ${outcome.toUpperCase()} (${approvals} of ${decisions.length} approved; quorum ${request.quorum})`,
      "Execution output:",
      JSON.stringify(result.output, null, 2),
    ].join("\n");
  }
  const lines = ["", `The execution ended ${result.status}${result.error ? `: ${result.error}` : ""}`];
  if (result.cause) lines.push(`  cause: ${result.cause}`);
  return lines.join("\n");
}

/** A handler's log line, shown with --verbose (every line) or when it is a warning or an error. */
export function logLine(entry: FunctionLogLine, verbose: boolean): string | undefined {
  let level: string | undefined;
  try {
    level = (JSON.parse(entry.line) as { level?: string }).level;
  } catch {
    level = undefined;
  }
  const notable = level === "warn" || level === "error";
  if (!verbose && !notable) return undefined;
  return `  [${entry.functionName}] ${entry.line}`;
}
