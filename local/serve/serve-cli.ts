/**
 * `npm start -- --serve` (local/main.ts hands over here): starts the sandbox server, prints the
 * state machine ARN and the endpoint, then every request's links, decisions and end as they
 * happen, until SIGINT or SIGTERM stops it in order (calls and pages in flight answered first,
 * then the executions, the functions and the store). Resolves with the exit status, 130.
 */
import { PortInUseError } from "../loopback";
import type { CliOptions } from "../cli-options";
import type { StackSettings } from "../stack-config";
import { startSandboxServer, type SandboxServer, type ServeEvent } from "./sandbox-server";
import { serveEventText, serveHeader } from "./serve-report";

export interface ServeRun {
  options: CliOptions;
  stack: StackSettings;
  interrupted: Promise<NodeJS.Signals>;
  fail(message: string, code: number): never;
}

export async function serve({ options, stack, interrupted, fail }: ServeRun): Promise<number> {
  const stages = stack.settings.stages.length;
  const held: ServeEvent[] = [];
  let ready = false;
  const print = (event: ServeEvent) => {
    const text = serveEventText(event, options.verbose, stages);
    if (text !== undefined) process.stdout.write(`${text}\n`);
  };
  let server: SandboxServer;
  try {
    server = await startSandboxServer({
      settings: stack.settings,
      port: options.port,
      region: stack.region,
      timeoutSeconds: options.timeoutSeconds,
      stack: stack.stack,
      unconfirmed: options.unconfirmed,
      // As for a single request (local/main.ts): reviewers played locally, pages behind sign-in.
      reviewers: options.reviewers,
      signIn: options.signIn,
      onEvent: (event) => (ready ? print(event) : held.push(event)),
    });
  } catch (error) {
    if (error instanceof PortInUseError) return fail(error.message, 1);
    // A flag the stack cannot use (e.g. --reviewer for a name that is no function reviewer): a usage error.
    if (error instanceof RangeError) return fail(`${error.message}\n(npm start -- --help lists the options)`, 2);
    return fail(`the sandbox could not start: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
  process.stdout.write(`${serveHeader(stack, server)}\n`);
  ready = true;
  held.forEach(print);
  const signal = await interrupted;
  const open = server.executions().filter((execution) => execution.status === "RUNNING").length;
  process.stdout.write(
    `\n${signal}: stopping the sandbox (calls and decisions in flight are answered first; ${open} open request(s) end with it)...\n`,
  );
  await server.stop();
  process.stdout.write("Stopped.\n");
  return 130;
}
