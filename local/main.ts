/**
 * `npm start`: the local sandbox's command line. Reads the stack's approvers, runs one approval
 * round with local/sandbox.ts, prints the links, the emails, the decisions and the outcome, and
 * exits when the request closes (or keeps the pages up with --keep-open until Ctrl-C).
 */
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { ConfigError } from "../core/config";
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
import { startSandbox, type Sandbox, type SandboxEvent } from "./sandbox";
import { readStackSettings, StackConfigError, type StackSettings } from "./stack-config";

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
  try {
    return { options, stack: readStackSettings(PROJECT_DIR, options.stack) };
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StackConfigError) fail(error.message, EXIT.usage);
    throw error;
  }
}

/**
 * Prints the sandbox's events. The round starts inside startSandbox(), so events that come
 * before the header is printed wait for it.
 */
function printer(options: CliOptions, stackStages: number) {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  let held: SandboxEvent[] | undefined = [];
  const print = (event: SandboxEvent) => {
    switch (event.type) {
      case "asked":
        out(emailText(event));
        break;
      case "decision":
        out(decisionLine(event));
        break;
      case "stageOpened":
        out(stageOpenedLine(event));
        break;
      case "stageAsked":
        if (event.asked.length > 0) out(linkList(event.asked, event.stage, stackStages));
        break;
      case "stageEnded":
        out(stageEndedLine(event));
        break;
      case "warning":
        out(`  warning: ${event.message}`);
        break;
      case "log": {
        const line =
          event.stream === "stderr" ? `  [${event.functionName}] ${event.line}` : logLine(event, options.verbose);
        if (line !== undefined) out(line);
        break;
      }
      case "closed":
        break;
    }
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

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function interruption(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    let seen = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (seen) process.exit(EXIT.interrupted);
      seen = true;
      resolveSignal(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

async function main(): Promise<number> {
  // The deployed functions run on nodejs24.x; the SDK's notice about older local Node versions
  // would only be noise here (the functions' own workers get the same setting).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const { options, stack } = readOptions();
  const interrupted = interruption();

  const events = printer(options, stack.settings.stages.length);
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({
      settings: stack.settings,
      request: options.request,
      port: options.port,
      region: stack.region,
      timeoutSeconds: options.timeoutSeconds,
      stack: stack.stack,
      onEvent: events.onEvent,
    });
  } catch (error) {
    if (error instanceof PortInUseError) fail(error.message, EXIT.failed);
    fail(`the sandbox could not start: ${error instanceof Error ? error.message : String(error)}`, EXIT.failed);
  }
  process.stdout.write(
    `${roundHeader(stack, options.request, sandbox.settings, sandbox.pageUrl, options.timeoutSeconds !== undefined)}\n`,
  );
  events.release();

  const ended = await Promise.race([
    sandbox.result.then((result) => ({ result })),
    interrupted.then((signal) => ({ signal })),
  ]);

  if ("signal" in ended) {
    process.stdout.write(`\n${ended.signal}: stopping the sandbox; the request stays undecided.\n`);
    await sandbox.stop();
    return EXIT.interrupted;
  }
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
