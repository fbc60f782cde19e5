/**
 * `parallel-approval`: start an approval request and wait for its outcome, from a terminal or a
 * pipeline (README: "The parallel-approval CLI"). Run through cli/parallel-approval.js, which
 * registers tsx, so it runs from the package with plain node.
 *
 * Exit codes: 0 approved, 2 rejected, 3 expired, 4 still pending when --timeout ran out (or, for
 * `status`, still running), 1 for every error: a bad flag, an AWS error, an execution that ended
 * FAILED, TIMED_OUT or ABORTED. `confirm-subscription` keeps its own: 0 confirmed, 1 refused by
 * SNS, 2 a bad link. Progress and notices go to stderr, results to stdout (with --json, exactly
 * one JSON document).
 */
import { readFileSync } from "node:fs";
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { Command, InvalidArgumentError, Option } from "commander";
import { formatDuration, parseDuration } from "../core/durations";
import { InvalidInputError, validateExecutionInput } from "../core/execution-input";
import { INPUT_LIMITS } from "../core/limits";
import type { ExecutionInput, ExecutionOutput } from "../core/model";
import {
  awsClients,
  callerArn,
  CliError,
  EXECUTION_ARN,
  explain,
  STATE_MACHINE_ARN,
  type AwsClients,
  type AwsOptions,
} from "./aws";
import { runConfirmation } from "./confirm-subscription-run";
import { progressPrinter } from "./progress-printer";
import { EXIT, exitCodeOf, jsonDocument, outcomeText, unfinishedText } from "./render";
import { describe, history, waitForEnd } from "./wait";
import { ProgressReader } from "./progress";

const DEFAULT_POLL = "5s";

function duration(flag: string, minimumSeconds = 1) {
  return (text: string): number => {
    const seconds = parseDuration(text);
    if (seconds === undefined || seconds < minimumSeconds)
      throw new InvalidArgumentError(`${flag} must be a duration such as 30s, 10m, 2h or 1d (got "${text}")`);
    return seconds;
  };
}

function arnOf(kind: "state machine" | "execution", pattern: RegExp) {
  return (text: string): string => {
    if (!pattern.test(text))
      throw new InvalidArgumentError(
        `not ${kind === "execution" ? "an execution" : "a state machine"} ARN (arn:aws:states:<region>:<account>:${kind === "execution" ? "execution:<state machine>:<name>" : "stateMachine:<name>"})`,
      );
    return text;
  };
}

interface AwsFlags {
  endpointUrl?: string;
  region?: string;
}
interface WaitFlags extends AwsFlags {
  timeout?: number;
  pollInterval: number;
  json?: boolean;
}
interface RequestFlags extends WaitFlags {
  stateMachineArn: string;
  subject: string;
  details?: string;
  detailsFile?: string;
  reviewUrl?: string;
  change?: string;
  requestedBy?: string;
  name?: string;
  wait?: boolean;
}

const awsOptionsOf = (flags: AwsFlags): AwsOptions => ({
  ...(flags.endpointUrl === undefined ? {} : { endpointUrl: flags.endpointUrl }),
  ...(flags.region === undefined ? {} : { region: flags.region }),
});

function withAwsOptions(command: Command): Command {
  return command
    .option("--endpoint-url <url>", "send Step Functions and STS calls here instead of AWS (e.g. the sandbox's)")
    .option("--region <region>", "AWS Region (default: the one in the ARN)");
}

function withWaitOptions(command: Command): Command {
  return command
    .option(
      "--timeout <duration>",
      "stop waiting after this long (exit 4; the request stays open), e.g. 2h",
      duration("--timeout"),
    )
    .option(
      "--poll-interval <duration>",
      `how often to ask Step Functions for news (default ${DEFAULT_POLL})`,
      duration("--poll-interval"),
      parseDuration(DEFAULT_POLL),
    )
    .option("--json", "print one JSON document: the execution output plus executionArn and status");
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function requestInput(flags: RequestFlags, clients: AwsClients, aws: AwsOptions): Promise<ExecutionInput> {
  let details = flags.details;
  if (flags.detailsFile !== undefined) {
    try {
      details = readFileSync(flags.detailsFile, "utf8").replace(/\r\n/g, "\n").replace(/\n+$/, "");
    } catch (error) {
      throw new CliError(`cannot read --details-file ${flags.detailsFile}: ${(error as Error).message}`);
    }
  }
  let requestedBy = flags.requestedBy;
  if (requestedBy === undefined) {
    requestedBy = await callerArn(clients, aws);
    if (requestedBy.length > INPUT_LIMITS.requestedBy)
      throw new CliError(
        `the caller's identity ${requestedBy} is longer than requestedBy allows (${INPUT_LIMITS.requestedBy}); pass --requested-by`,
      );
  }
  const raw: Record<string, string> = { subject: flags.subject, requestedBy };
  if (details !== undefined && details !== "") raw.details = details;
  if (flags.reviewUrl !== undefined) raw.reviewUrl = flags.reviewUrl;
  if (flags.change !== undefined) raw.change = flags.change;
  try {
    // The workflow validates the same way (open-request); failing here starts nothing.
    return validateExecutionInput(raw);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new CliError(`invalid request: ${error.message}`);
    throw error;
  }
}

async function waitAndReport(clients: AwsClients, executionArn: string, flags: WaitFlags): Promise<number> {
  const aws = awsOptionsOf(flags);
  const printer = progressPrinter(process.stderr);
  const stopWaiting = () => {
    printer.done();
    process.stderr.write(
      `\nStopped waiting; the request stays open. Wait again with: npx parallel-approval wait ${executionArn}\n`,
    );
    process.exit(EXIT.interrupted);
  };
  process.once("SIGINT", stopWaiting);
  process.once("SIGTERM", stopWaiting);
  const result = await waitForEnd(clients, executionArn, {
    aws,
    pollMs: flags.pollInterval * 1000,
    ...(flags.timeout === undefined ? {} : { timeoutMs: flags.timeout * 1000 }),
    onProgress: (item) => printer.item(item),
    onNotice: (message) => printer.notice(message),
    onTick: (elapsed) => printer.tick(elapsed),
  });
  printer.done();
  process.off("SIGINT", stopWaiting);
  process.off("SIGTERM", stopWaiting);
  return report(result.described, result.reader.decisions, flags, flags.timeout);
}

function report(
  described: Awaited<ReturnType<typeof describe>>,
  progress: Parameters<typeof jsonDocument>[1],
  flags: { json?: boolean },
  timeoutSeconds?: number,
): number {
  if (flags.json) print(JSON.stringify(jsonDocument(described, progress)));
  else if (described.status === "SUCCEEDED" && described.output !== undefined)
    print(outcomeText(described.executionArn ?? "", JSON.parse(described.output) as ExecutionOutput));
  else print(unfinishedText(described, timeoutSeconds === undefined ? undefined : formatDuration(timeoutSeconds)));
  return exitCodeOf(described);
}

async function request(flags: RequestFlags): Promise<number> {
  if (!flags.wait && flags.timeout !== undefined) throw new CliError("--timeout applies to --wait: add --wait");
  const aws = awsOptionsOf(flags);
  const clients = awsClients(flags.stateMachineArn, aws);
  const input = await requestInput(flags, clients, aws);
  let started;
  try {
    started = await clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: flags.stateMachineArn,
        input: JSON.stringify(input),
        ...(flags.name === undefined ? {} : { name: flags.name }),
      }),
    );
  } catch (error) {
    throw explain(error, { action: "states:StartExecution", resource: flags.stateMachineArn, options: aws });
  }
  const executionArn = started.executionArn!;
  if (!flags.wait) {
    if (flags.json) print(JSON.stringify({ executionArn, status: "RUNNING", startDate: started.startDate }));
    else print(`Started: ${executionArn}\nWait for the outcome with: npx parallel-approval wait ${executionArn}`);
    return EXIT.approved;
  }
  process.stderr.write(`Started ${executionArn}; waiting for the approvers...\n`);
  return waitAndReport(clients, executionArn, flags);
}

async function status(executionArn: string, flags: AwsFlags & { json?: boolean }): Promise<number> {
  const aws = awsOptionsOf(flags);
  const clients = awsClients(executionArn, aws);
  const described = await describe(clients, executionArn, aws);
  // While it runs, the decisions so far (when the caller may read the history).
  const reader = new ProgressReader();
  if (described.status === "RUNNING")
    await history(clients, executionArn).then(
      (events) => reader.read(events),
      () => [],
    );
  return report(described, reader.decisions, flags);
}

async function wait(executionArn: string, flags: WaitFlags): Promise<number> {
  const aws = awsOptionsOf(flags);
  return waitAndReport(awsClients(executionArn, aws), executionArn, flags);
}

/** Runs an action, turning a CliError into its message and exit code 1. */
function action<A extends unknown[]>(run: (...args: A) => Promise<number>) {
  return async (...args: A) => {
    try {
      process.exitCode = await run(...args);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      process.stderr.write(`parallel-approval: ${error.message}\n`);
      process.exitCode = EXIT.error;
    }
  };
}

export function buildProgram(): Command {
  const program = new Command("parallel-approval")
    .description(
      "Start parallel-approval requests and wait for their outcome (exit 0 approved, 2 rejected, 3 expired, 4 pending, 1 error).",
    )
    .showHelpAfterError("(parallel-approval --help lists the commands)")
    .configureOutput({ outputError: (text, write) => write(text) });

  withWaitOptions(
    withAwsOptions(
      program
        .command("request")
        .description("start an approval request (StartExecution); with --wait, wait for its outcome")
        .requiredOption(
          "--state-machine-arn <arn>",
          "the stack's state machine (pulumi stack output stateMachineArn)",
          arnOf("state machine", STATE_MACHINE_ARN),
        )
        .requiredOption("--subject <text>", `what is to be approved (at most ${INPUT_LIMITS.subject} characters)`)
        .addOption(
          new Option("--details <text>", `more about it (at most ${INPUT_LIMITS.details} characters)`).conflicts(
            "detailsFile",
          ),
        )
        .addOption(new Option("--details-file <file>", "read the details from a file").conflicts("details"))
        .option("--review-url <url>", "an https link to what is to be approved, e.g. the pull request")
        .option("--change <digest>", "what exactly is approved, e.g. a commit or image digest")
        .option("--requested-by <who>", "who asks (default: the caller's identity, from STS GetCallerIdentity)")
        .option("--name <name>", "the execution's name: the same name and input while it runs start nothing new")
        .option("--wait", "wait for the outcome, showing decisions as they arrive"),
    ),
  ).action(action((flags: RequestFlags) => request(flags)));

  withAwsOptions(
    program
      .command("status")
      .description("show an execution's state and, once it ended, its outcome and decisions (exit codes as for --wait)")
      .argument("<execution-arn>", "the execution", arnOf("execution", EXECUTION_ARN))
      .option("--json", "print one JSON document: the execution output plus executionArn and status"),
  ).action(action((arn: string, flags: AwsFlags & { json?: boolean }) => status(arn, flags)));

  withWaitOptions(
    withAwsOptions(
      program
        .command("wait")
        .description("wait for an execution's outcome, showing decisions as they arrive")
        .argument("<execution-arn>", "the execution", arnOf("execution", EXECUTION_ARN)),
    ),
  ).action(action((arn: string, flags: WaitFlags) => wait(arn, flags)));

  program
    .command("confirm-subscription")
    .description(
      "confirm an approver's SNS email subscription so that only AWS credentials can cancel it (exit 0 confirmed, 1 refused, 2 bad link)",
    )
    .argument(
      "<link>",
      'the "Confirm subscription" link from the email SNS sent the approver (copy it, do not open it)',
    )
    .action(async (link: string) => {
      process.exitCode = await runConfirmation(link);
    });
  return program;
}

/** Runs the CLI on `argv` (process.argv's shape); the exit code is left in process.exitCode. */
export async function run(argv: readonly string[]): Promise<void> {
  // The SDK's notice about Node versions it will stop supporting is not the user's concern here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    process.stderr.write(
      `parallel-approval: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = EXIT.error;
  }
}
