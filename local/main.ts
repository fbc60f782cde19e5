/**
 * `npm start`: the local sandbox's command line. Reads the stack's stages, runs one approval
 * request with local/sandbox.ts, prints each stage as it opens and ends, the links, the emails,
 * the decisions and the outcome, and exits when the request closes (or keeps the pages up with
 * --keep-open until Ctrl-C).
 *
 * Stopping: package.json's `start` is `exec node --import tsx local/main.ts`, so npm's child is
 * this very process. npm forwards SIGINT and SIGTERM to its child only
 * (@npmcli/run-script/lib/signal-manager.js); with a shell (Debian's dash does not exec a lone
 * command) or tsx's own launcher in between, `kill -TERM <npm pid>` killed the shell and left
 * this process orphaned, serving pages, and `kill -INT <npm pid>` reached nobody. On either
 * signal the sandbox stops in order (local/sandbox.ts stop()): pages answer the requests in
 * flight (new ones get a "stopping" page), then the execution, the functions and the store stop,
 * and the process exits 130.
 *
 * `--serve` starts no request: local/serve/serve-cli.ts keeps the sandbox running as a local
 * Step Functions endpoint for many requests, until one of those signals.
 */
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { ConfigError } from "../core/config";
import { terminalSafe } from "../core/text";
import { HELP, parseCliOptions, UsageError, type CliOptions } from "./cli-options";
import { PortInUseError } from "./loopback";
import {
  decisionLine,
  emailText,
  linkList,
  logLine,
  outcomeText,
  roundHeader,
  stageEndedLine,
  stageOpenedLine,
} from "./report";
import { startSandbox, unconfirmedProblem, type Sandbox, type SandboxEvent } from "./sandbox";
import { readStackSettings, StackConfigError, type StackSettings } from "./stack-config";
import { serve } from "./serve/serve-cli";

const PROJECT_DIR = resolve(__dirname, "..");
const EXIT = { closed: 0, failed: 1, usage: 2, interrupted: 130 } as const;

function currentUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

function fail(message: string, code: number): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(code);
}

function readOptions(): { options: CliOptions; stack: StackSettings } {
  let options: CliOptions;
  try {
    options = parseCliOptions(process.argv.slice(2), { requestedBy: currentUser() });
  } catch (error) {
    if (error instanceof UsageError) fail(`${error.message}\n(npm start -- --help lists the options)`, EXIT.usage);
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  let stack: StackSettings;
  try {
    stack = readStackSettings(PROJECT_DIR, options.stack);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StackConfigError) fail(error.message, EXIT.usage);
    throw error;
  }
  const unconfirmed = unconfirmedProblem(stack.settings, options.unconfirmed);
  if (unconfirmed !== undefined) fail(`${unconfirmed}\n(npm start -- --help lists the options)`, EXIT.usage);
  return { options, stack };
}

/** What the CLI prints for one event, or undefined for nothing. */
function eventText(event: SandboxEvent, options: CliOptions, stages: number): string | undefined {
  switch (event.type) {
    case "asked":
      return emailText(event);
    case "decision":
      return decisionLine(event);
    case "stageOpened":
      return stageOpenedLine(event);
    case "stageAsked":
      return event.asked.length > 0 ? linkList(event.asked, event.stage, stages) : undefined;
    case "stageEnded":
      return stageEndedLine(event);
    case "warning":
      return `  warning: ${terminalSafe(event.message)}`;
    case "log":
      return event.stream === "stderr"
        ? `  [${event.functionName}] ${terminalSafe(event.line)}`
        : logLine(event, options.verbose);
    case "closed":
      return undefined;
  }
}

/**
 * Prints the sandbox's events. The round starts inside startSandbox(), so events that come
 * before the header is printed wait for it.
 */
function printer(options: CliOptions, stages: number) {
  let held: SandboxEvent[] | undefined = [];
  const print = (event: SandboxEvent) => {
    const text = eventText(event, options, stages);
    if (text !== undefined) process.stdout.write(`${text}\n`);
  };
  return {
    onEvent: (event: SandboxEvent) => (held ? held.push(event) : print(event)),
    /** Prints what was held and everything from now on. */
    release: () => {
      const pending = held ?? [];
      held = undefined;
      pending.forEach(print);
    },
  };
}

/**
 * Ctrl-C in a terminal signals the whole foreground process group, and `npm start` forwards the
 * signal it got to the sandbox as well, so one Ctrl-C arrives twice within moments: a repeat
 * this soon is the same keypress.
 */
const SAME_SIGNAL_MS = 1000;

/** Resolves on the first SIGINT or SIGTERM; a repeat later than SAME_SIGNAL_MS exits at once. */
function interruption(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    let first: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (first === undefined) {
        first = Date.now();
        resolveSignal(signal);
      } else if (Date.now() - first > SAME_SIGNAL_MS) {
        process.stderr.write(`npm start: ${signal} again: exiting without waiting for the sandbox to stop\n`);
        process.exit(EXIT.interrupted);
      }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

async function start(options: CliOptions, stack: StackSettings, onEvent: (event: SandboxEvent) => void) {
  try {
    return await startSandbox({
      settings: stack.settings,
      request: options.request,
      port: options.port,
      region: stack.region,
      timeoutSeconds: options.timeoutSeconds,
      stack: stack.stack,
      unconfirmed: options.unconfirmed,
      reviewers: options.reviewers,
      signIn: options.signIn,
      onEvent,
    });
  } catch (error) {
    if (error instanceof PortInUseError) fail(error.message, EXIT.failed);
    // A flag the stack cannot use (e.g. --reviewer for a name that is no function reviewer).
    if (error instanceof RangeError) fail(`${error.message}\n(npm start -- --help lists the options)`, EXIT.usage);
    fail(`the sandbox could not start: ${error instanceof Error ? error.message : String(error)}`, EXIT.failed);
  }
}

/** Stops on a signal: pages answer what is in flight, then the execution, the functions and the store stop. */
async function stopOnSignal(sandbox: Sandbox, signal: NodeJS.Signals): Promise<number> {
  process.stdout.write(`\n${signal}: stopping the sandbox (requests in flight are answered first)...\n`);
  await sandbox.stop();
  const result = await sandbox.result;
  // A decision in flight may have been the one that closed the request.
  process.stdout.write(
    result.status === "SUCCEEDED" ? `${outcomeText(result)}\n` : "Stopped before the request closed.\n",
  );
  return EXIT.interrupted;
}

async function main(): Promise<number> {
  // The deployed functions run on nodejs24.x; the SDK's notice about older local Node versions
  // would only be noise here (the functions' own workers get the same setting).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const { options, stack } = readOptions();
  const interrupted = interruption();
  if (options.serve) return serve({ options, stack, interrupted, fail });

  const events = printer(options, stack.settings.stages.length);
  const sandbox = await start(options, stack, events.onEvent);
  const notes = { timeoutOverridden: options.timeoutSeconds !== undefined, unconfirmed: options.unconfirmed };
  process.stdout.write(`${roundHeader(stack, options.request, sandbox.settings, sandbox.pageUrl, notes)}\n`);
  if (sandbox.signIn !== undefined)
    process.stdout.write(
      `Sign-in: a local OpenID Provider at ${sandbox.signIn.issuer}; on a link's page choose "Sign in to decide", then the person to be (no password).\n`,
    );
  events.release();

  const ended = await Promise.race([
    sandbox.result.then((result) => ({ result })),
    interrupted.then((signal) => ({ signal })),
  ]);
  if ("signal" in ended) return stopOnSignal(sandbox, ended.signal);

  process.stdout.write(`${outcomeText(ended.result)}\n`);
  const code = ended.result.status === "SUCCEEDED" ? EXIT.closed : EXIT.failed;
  if (options.keepOpen) {
    process.stdout.write(
      `\nThe pages stay up at ${sandbox.pageUrl} (a link now shows the closed request). Ctrl-C to stop.\n`,
    );
    await interrupted;
  }
  await sandbox.stop();
  return code;
}

main().then(
  (code) => {
    // Everything the sandbox started is closed by now, so the process ends on its own (the CLI
    // test relies on that to prove a clean shutdown).
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`npm start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.failed);
  },
);
