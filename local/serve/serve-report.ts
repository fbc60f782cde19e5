/**
 * What `npm start -- --serve` prints: how to reach the state machine, then each request as it
 * opens (its approval links), its decisions and stage ends, its end and its Approval Decided
 * event. Lines of one request start with its execution name, since requests interleave. Plain
 * text through terminalSafe, like local/report.ts.
 */
import { terminalSafe } from "../../core/text";
import type { LocalEvent } from "../fake-eventbridge";
import { decisionLine, emailText, linkList, logLine, stageEndedLine, stageOpenedLine } from "../report";
import type { SandboxEvent } from "../round-events";
import type { StackSettings } from "../stack-config";
import type { SandboxServer, ServeEvent, ServedRequest } from "./sandbox-server";

export const SANDBOX_CREDENTIALS = "AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox";

export function serveHeader(stack: StackSettings, server: SandboxServer): string {
  const env = `${SANDBOX_CREDENTIALS} AWS_REGION=${server.region}`;
  return [
    `parallel-approval sandbox (--serve): stack "${stack.stack}" (${stack.file}); no AWS account is used`,
    ...server.services.settings.stages.map(
      (stage, i) =>
        `  stage ${i + 1} ${stage.name}: ${stage.approvers.map((a) => a.name).join(", ")}; quorum ${stage.quorum}`,
    ),
    `  state machine: ${server.stateMachineArn}`,
    `  endpoint:      ${server.endpoint}   (pass it as --endpoint-url; 127.0.0.1 only)`,
    `  open requests: ${server.pageUrl}`,
    ...(server.services.signIn === undefined
      ? []
      : [
          `  sign-in:       a local OpenID Provider at ${server.services.signIn.provider.issuer}; on a link's page choose "Sign in to decide", then the person to be (no password)`,
        ]),
    "",
    "Start a request from another terminal, and wait for its outcome:",
    `  ${env} npx parallel-approval request --endpoint-url ${server.endpoint} \\`,
    `    --state-machine-arn ${server.stateMachineArn} --subject "Deploy v2" --wait`,
    "or with the AWS CLI:",
    `  ${env} aws stepfunctions start-execution --endpoint-url ${server.endpoint} \\`,
    `    --state-machine-arn ${server.stateMachineArn} --input '{"subject":"Deploy v2"}'`,
    "",
    "Waiting for requests (Ctrl-C stops the sandbox)...",
  ].join("\n");
}

const prefixed = (execution: ServedRequest, text: string) =>
  text
    .split("\n")
    .map((line) => `[${execution.name}] ${line}`)
    .join("\n");

function requestEventText(event: SandboxEvent, verbose: boolean, stages: number): string | undefined {
  switch (event.type) {
    case "asked":
      return verbose ? emailText(event) : undefined;
    case "stageAsked":
      // linkList's last line says to wait; in --serve mode the header said how to stop.
      return event.asked.length > 0
        ? linkList(event.asked, event.stage, stages).split("\n").slice(0, -2).join("\n")
        : undefined;
    case "stageOpened":
      return stageOpenedLine(event);
    case "stageEnded":
      return stageEndedLine(event);
    case "decision":
      return decisionLine(event).trimStart();
    default:
      return undefined;
  }
}

function endText(execution: ServedRequest): string {
  if (execution.status === "SUCCEEDED") {
    const outcome = (JSON.parse(execution.output ?? "{}") as { outcome?: string }).outcome ?? "?";
    return `closed: ${outcome.toUpperCase()}`;
  }
  const error = execution.error === undefined ? "" : `: ${terminalSafe(execution.error)}`;
  return `the execution ended ${execution.status}${error}; the request is closed`;
}

function eventPutText(event: LocalEvent): string {
  const detail = event.detail as { outcome?: string; requestId?: string; executionArn?: string };
  const name = detail.executionArn?.split(":").pop() ?? "?";
  return `[${name}] ${terminalSafe(event.detailType)} event put on bus ${event.eventBus}: outcome ${terminalSafe(String(detail.outcome))}`;
}

/** What the CLI prints for one event, or undefined for nothing. */
export function serveEventText(event: ServeEvent, verbose: boolean, stages: number): string | undefined {
  switch (event.type) {
    case "started": {
      const subject = event.execution.subject === undefined ? "" : `: ${terminalSafe(event.execution.subject)}`;
      return `\n${prefixed(event.execution, `request started${subject}`)}`;
    }
    case "request": {
      const text = requestEventText(event.event, verbose, stages);
      return text === undefined ? undefined : prefixed(event.execution, text.replace(/^\n/, ""));
    }
    case "ended":
      return prefixed(event.execution, endText(event.execution));
    case "eventPut":
      return eventPutText(event.event);
    case "service":
      if (event.event.type === "warning") return `  warning: ${terminalSafe(event.event.message)}`;
      if (event.event.type === "log")
        return event.event.stream === "stderr"
          ? `  [${event.event.functionName}] ${terminalSafe(event.event.line)}`
          : logLine(event.event, verbose);
      return undefined;
  }
}
