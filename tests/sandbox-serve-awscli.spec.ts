/**
 * `npm start -- --serve` with Debian's real AWS CLI (`aws`, installed by .ci/run): the sandbox
 * started as the README says, its printed state machine ARN and endpoint, then `aws
 * stepfunctions start-execution`, `describe-execution`, `list-executions`, `get-execution-history`
 * and `stop-execution` with --endpoint-url, as a user would type them. Stopping closes the request
 * (its links show "closed", as the deployed execution-end rule makes them), an unknown execution
 * gets Step Functions' own error, `/` lists the open requests, several requests run at once, and
 * Ctrl-C stops the sandbox cleanly with status 130.
 */
import { strict as assert } from "node:assert";
import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { resolve } from "node:path";
import { fetchPage, SANDBOX_ENV } from "./helpers/serve-sandbox";

const ROOT = resolve(__dirname, "..");

interface Sandbox {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

function startServe(): Sandbox {
  const child = spawn("npm", ["start", "--", "--serve", "--port", "0"], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "info" },
    detached: true,
  });
  let out = "";
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    for (const waiter of [...waiters]) {
      const match = out.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  child.stderr.resume();
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return {
    child,
    stdout: () => out,
    exited,
    waitFor: (pattern) => {
      const match = out.match(pattern);
      return match ? Promise.resolve(match) : new Promise((done) => waiters.push({ pattern, resolve: done }));
    },
  };
}

interface AwsRun {
  code: number;
  stdout: string;
  stderr: string;
}

function aws(endpoint: string, ...args: string[]): Promise<AwsRun> {
  return new Promise((done) =>
    execFile(
      "aws",
      [...args, "--endpoint-url", endpoint, "--output", "json"],
      { env: { PATH: process.env.PATH ?? "", HOME: "/nonexistent", AWS_DEFAULT_REGION: "eu-west-1", ...SANDBOX_ENV } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

async function awsJson(endpoint: string, ...args: string[]): Promise<Record<string, unknown>> {
  const run = await aws(endpoint, ...args);
  assert.equal(run.code, 0, `aws ${args.join(" ")}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** The links printed for one request: approver → link. */
async function linksOf(sandbox: Sandbox, name: string): Promise<Map<string, string>> {
  const tag = `[${name}]`;
  await sandbox.waitFor(new RegExp(`\\[${name}\\] Approval links`));
  await sandbox.waitFor(new RegExp(`\\[${name}\\]\\s+finance\\s+http`));
  const lines = sandbox
    .stdout()
    .split("\n")
    .filter((line) => line.startsWith(tag));
  return new Map(
    lines
      .map((line) => /^\S+\s+(\S+)\s+(http:\/\/127\.0\.0\.1:\d+\/r\/\S+)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
}

describe("npm start -- --serve, driven by the real AWS CLI", function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let stateMachineArn: string;
  let endpoint: string;

  before(async () => {
    sandbox = startServe();
    stateMachineArn = (await sandbox.waitFor(/state machine: (\S+)/))[1];
    endpoint = (await sandbox.waitFor(/endpoint: +(http:\/\/127\.0\.0\.1:\d+)/))[1];
    await sandbox.waitFor(/Waiting for requests/);
  });
  after(() => {
    try {
      process.kill(-sandbox.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  });

  it("prints the local state machine ARN and the endpoint to pass as --endpoint-url", () => {
    assert.match(stateMachineArn, /^arn:aws:states:eu-west-1:000000000000:stateMachine:[A-Za-z0-9-]+$/);
    assert.match(sandbox.stdout(), /aws stepfunctions start-execution --endpoint-url http:\/\/127\.0\.0\.1:\d+/);
  });

  it("start-execution opens a request and prints its links; describe-execution shows it RUNNING with its input", async () => {
    const input = JSON.stringify({ subject: "Deploy payments 2.4", requestedBy: "alice" });
    const started = await awsJson(
      endpoint,
      "stepfunctions",
      "start-execution",
      "--state-machine-arn",
      stateMachineArn,
      "--name",
      "cli-one",
      "--input",
      input,
    );
    assert.equal(started.executionArn, stateMachineArn.replace(":stateMachine:", ":execution:") + ":cli-one");
    // AWS CLI v1 prints the epoch seconds the protocol carries.
    assert.ok(Number(started.startDate) > 1.6e9, `startDate ${String(started.startDate)} is epoch seconds`);
    const links = await linksOf(sandbox, "cli-one");
    assert.deepEqual([...links.keys()].sort(), ["finance", "platform", "security"]);
    const described = await awsJson(
      endpoint,
      "stepfunctions",
      "describe-execution",
      "--execution-arn",
      String(started.executionArn),
    );
    assert.equal(described.status, "RUNNING");
    assert.equal(described.input, input);
    assert.equal(described.stateMachineArn, stateMachineArn);
  });

  it("the same name with the same input while it runs is the same execution; with other input, ExecutionAlreadyExists", async () => {
    const input = JSON.stringify({ subject: "Deploy payments 2.4", requestedBy: "alice" });
    const again = await awsJson(
      endpoint,
      "stepfunctions",
      "start-execution",
      "--state-machine-arn",
      stateMachineArn,
      "--name",
      "cli-one",
      "--input",
      input,
    );
    assert.match(String(again.executionArn), /:cli-one$/);
    const other = await aws(
      endpoint,
      "stepfunctions",
      "start-execution",
      "--state-machine-arn",
      stateMachineArn,
      "--name",
      "cli-one",
      "--input",
      '{"subject":"else"}',
    );
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /\(ExecutionAlreadyExists\) when calling the StartExecution operation/);
  });

  it("several requests run at once: list-executions shows them newest first, and / lists each open one with its links", async () => {
    await awsJson(
      endpoint,
      "stepfunctions",
      "start-execution",
      "--state-machine-arn",
      stateMachineArn,
      "--name",
      "cli-two",
      "--input",
      '{"subject":"Rotate the signing key"}',
    );
    const links = await linksOf(sandbox, "cli-two");
    const listed = (await awsJson(
      endpoint,
      "stepfunctions",
      "list-executions",
      "--state-machine-arn",
      stateMachineArn,
      "--status-filter",
      "RUNNING",
    )) as { executions: { name: string }[] };
    assert.deepEqual(
      listed.executions.map((e) => e.name),
      ["cli-two", "cli-one"],
    );
    const index = await fetchPage(`${endpoint}/`);
    assert.equal(index.status, 200);
    assert.match(index.body, /Rotate the signing key/);
    assert.match(index.body, /Deploy payments 2\.4/);
    assert.ok(index.body.includes(links.get("finance")!), "the open request's links are on the page");
  });

  it("get-execution-history gives the events with their ids, chained within each branch", async () => {
    const arn = stateMachineArn.replace(":stateMachine:", ":execution:") + ":cli-one";
    const history = (await awsJson(endpoint, "stepfunctions", "get-execution-history", "--execution-arn", arn)) as {
      events: { id: number; previousEventId: number; type: string; stateEnteredEventDetails?: { name: string } }[];
    };
    assert.equal(history.events[0].type, "ExecutionStarted");
    const ask = history.events.find((e) => e.stateEnteredEventDetails?.name === "Ask finance in stage 1")!;
    const started = history.events.find((e) => e.type === "ParallelStateStarted")!;
    assert.equal(ask.previousEventId, started.id, "a branch's first event follows the Parallel's start");
    assert.equal(history.events.find((e) => e.previousEventId === ask.id)?.type, "TaskScheduled");
  });

  it("stop-execution stops it (ABORTED) and closes the request: its links show it closed", async () => {
    const arn = stateMachineArn.replace(":stateMachine:", ":execution:") + ":cli-one";
    const links = await linksOf(sandbox, "cli-one");
    const described0 = await awsJson(endpoint, "stepfunctions", "describe-execution", "--execution-arn", arn);
    const before = await fetchPage(links.get("security")!);
    assert.match(before.body, /<form/, "open: the page offers the form");
    const stopped = await awsJson(
      endpoint,
      "stepfunctions",
      "stop-execution",
      "--execution-arn",
      arn,
      "--error",
      "Release.Cancelled",
      "--cause",
      "superseded",
    );
    assert.ok(Number(stopped.stopDate) >= Number(described0.startDate), "stopped after it started");
    const described = await awsJson(endpoint, "stepfunctions", "describe-execution", "--execution-arn", arn);
    assert.deepEqual(
      [described.status, described.error, described.cause],
      ["ABORTED", "Release.Cancelled", "superseded"],
    );
    const after = await fetchPage(links.get("security")!);
    assert.doesNotMatch(after.body, /<form/, "closed: no form any more");
    assert.match(after.body, /closed/i);
    assert.match(sandbox.stdout(), /\[cli-one\] Approval Decided event put on bus default: outcome undecided/);
    assert.doesNotMatch((await fetchPage(`${endpoint}/`)).body, /Deploy payments 2\.4/, "no longer listed as open");
  });

  it("an unknown execution or state machine gets Step Functions' own errors", async () => {
    const missing = await aws(
      endpoint,
      "stepfunctions",
      "describe-execution",
      "--execution-arn",
      stateMachineArn.replace(":stateMachine:", ":execution:") + ":nope",
    );
    assert.notEqual(missing.code, 0);
    assert.match(
      missing.stderr,
      /\(ExecutionDoesNotExist\) when calling the DescribeExecution operation: Execution Does Not Exist/,
    );
    const machine = await aws(
      endpoint,
      "stepfunctions",
      "start-execution",
      "--state-machine-arn",
      `${stateMachineArn}-other`,
      "--input",
      "{}",
    );
    assert.match(machine.stderr, /\(StateMachineDoesNotExist\)/);
    const garbage = await aws(
      endpoint,
      "stepfunctions",
      "describe-execution",
      "--execution-arn",
      "arn:aws:states:eu-west-1:000000000000:nonsense",
    );
    assert.match(garbage.stderr, /\(InvalidArn\)/);
    const input = await aws(
      endpoint,
      "stepfunctions",
      "start-execution",
      "--state-machine-arn",
      stateMachineArn,
      "--input",
      "{not json",
    );
    assert.match(input.stderr, /\(InvalidExecutionInput\)/);
  });

  it("Ctrl-C stops the sandbox cleanly: it says so and exits 130", async () => {
    process.kill(-sandbox.child.pid!, "SIGINT");
    assert.equal(await sandbox.exited, 130);
    assert.match(sandbox.stdout(), /SIGINT: stopping the sandbox/);
    assert.match(sandbox.stdout(), /Stopped\.\n$/);
  });
});
