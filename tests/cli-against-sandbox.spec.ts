/**
 * `parallel-approval` end to end, as a pipeline runs it: the command (cli/parallel-approval.js,
 * plain node) in its own process against the sandbox in --serve mode, approvers deciding through
 * their links as a browser posts the form. Each outcome has its exit code: approved 0, rejected
 * 2, expired 3, still pending at --timeout 4, a FAILED execution 1; --json prints one document;
 * requestedBy is the caller's identity from STS; bad flags and wrong ARNs exit 1 with a message.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { decide, fetchPage, SANDBOX_ENV, startServeHarness, type ServeHarness } from "./helpers/serve-sandbox";

const CLI = resolve(__dirname, "..", "cli", "parallel-approval.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Started {
  /** Resolves once the CLI has written `pattern` to stderr. */
  stderrMatch(pattern: RegExp): Promise<RegExpMatchArray>;
  done: Promise<Run>;
}

function runCli(args: string[], env: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? "", ...SANDBOX_ENV, CI: "true", ...env },
  });
  let stdout = "";
  let stderr = "";
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
    for (const waiter of [...waiters]) {
      const match = stderr.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  const done = new Promise<Run>((resolveRun) => child.on("close", (code) => resolveRun({ code, stdout, stderr })));
  return {
    stderrMatch: (pattern) => {
      const match = stderr.match(pattern);
      return match
        ? Promise.resolve(match)
        : new Promise((resolveMatch) => waiters.push({ pattern, resolve: resolveMatch }));
    },
    done,
  };
}

describe("the parallel-approval CLI against the sandbox (--serve)", function () {
  this.timeout(120_000);
  let sandbox: ServeHarness;
  let requestArgs: (...extra: string[]) => string[];

  before(async () => {
    sandbox = await startServeHarness();
    requestArgs = (...extra) => [
      "request",
      "--endpoint-url",
      sandbox.server.endpoint,
      "--state-machine-arn",
      sandbox.server.stateMachineArn,
      "--poll-interval",
      "1s",
      ...extra,
    ];
  });
  after(() => sandbox?.stop());

  it("approved: shows each decision as it arrives, then the outcome and decisions, and exits 0", async () => {
    const cli = runCli(requestArgs("--subject", "Deploy billing v2", "--wait"));
    const { asked } = await sandbox.nextAsked();
    await decide(asked, "lead", "approve", "Looks right");
    await cli.stderrMatch(/lead approved \(lead@example\.com\)/);
    await decide(asked, "finance", "approve");
    const run = await cli.done;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /stage 1 approval: finance approved; the stage is approved/);
    assert.match(run.stdout, /^Outcome: APPROVED/m);
    assert.match(run.stdout, /lead\s+approved\s+lead@example\.com "Looks right"/);
    assert.match(run.stdout, /^Execution: arn:aws:states:eu-west-1:000000000000:execution:/m);
  });

  it("rejected: exits 2; --json prints one document, the execution output plus executionArn and status", async () => {
    const cli = runCli(
      requestArgs("--subject", "Drop the invoices table", "--change", "sha256:abc", "--wait", "--json"),
    );
    const { asked, execution } = await sandbox.nextAsked();
    await decide(asked, "finance", "reject", "Not during the freeze");
    const run = await cli.done;
    assert.equal(run.code, 2, run.stderr);
    const document = JSON.parse(run.stdout);
    assert.equal(document.executionArn, execution.executionArn);
    assert.equal(document.status, "SUCCEEDED");
    assert.equal(document.outcome, "rejected");
    assert.equal(document.request.subject, "Drop the invoices table");
    assert.equal(document.request.change, "sha256:abc");
    assert.equal(document.request.requestedBy, "arn:aws:iam::000000000000:user/ci-tester", "the caller, from STS");
    const finance = document.decisions.find((d: { approver: string }) => d.approver === "finance");
    assert.deepEqual(
      { decision: finance.decision, comment: finance.comment },
      { decision: "reject", comment: "Not during the freeze" },
    );
    const { executionArn: _arn, status: _status, ...output } = document;
    assert.deepEqual(output, JSON.parse(execution.output!), "the rest is the execution output as it is");
  });

  it("still pending when --timeout runs out: exits 4 and leaves the request open", async () => {
    const cli = runCli(requestArgs("--subject", "Nobody looks", "--wait", "--timeout", "2s", "--json"));
    const { asked, execution } = await sandbox.nextAsked();
    await decide(asked, "lead", "approve");
    await cli.stderrMatch(/lead approved/);
    const run = await cli.done;
    assert.equal(run.code, 4, run.stderr);
    const document = JSON.parse(run.stdout);
    assert.equal(document.status, "RUNNING");
    assert.deepEqual(
      document.decisions.map((d: { approver: string; decision: string }) => [d.approver, d.decision]),
      [["lead", "approve"]],
    );
    assert.equal(execution.status, "RUNNING", "waiting gave up; the request did not");
    // `wait` picks it up again and sees it through.
    const again = runCli([
      "wait",
      execution.executionArn,
      "--endpoint-url",
      sandbox.server.endpoint,
      "--poll-interval",
      "1s",
    ]);
    await decide(asked, "finance", "approve");
    const waited = await again.done;
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(waited.stdout, /^Outcome: APPROVED/m);
  });

  it("a FAILED execution (invalid input, started without the CLI): wait and status exit 1, naming the error", async () => {
    const started = await sandbox.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: sandbox.server.stateMachineArn,
        input: JSON.stringify({ subject: "Deploy", reviewUrl: "http://not-https.example.com" }),
      }),
    );
    const run = await runCli([
      "wait",
      started.executionArn!,
      "--endpoint-url",
      sandbox.server.endpoint,
      "--poll-interval",
      "1s",
    ]).done;
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /The execution ended FAILED: Approval\.InvalidInput; the request is not approved/);
    const status = await runCli(["status", started.executionArn!, "--endpoint-url", sandbox.server.endpoint, "--json"])
      .done;
    assert.equal(status.code, 1);
    assert.deepEqual((({ status: s, error }) => ({ status: s, error }))(JSON.parse(status.stdout)), {
      status: "FAILED",
      error: "Approval.InvalidInput",
    });
  });

  it("without --wait: starts the request, prints its execution ARN and exits 0; status of a running one exits 4", async () => {
    const run = await runCli(requestArgs("--subject", "Fire and forget", "--requested-by", "release-bot")).done;
    assert.equal(run.code, 0, run.stderr);
    const arn = /^Started: (\S+)$/m.exec(run.stdout)?.[1];
    assert.ok(arn !== undefined, run.stdout);
    const execution = sandbox.server.executions().find((e) => e.executionArn === arn)!;
    assert.equal(JSON.parse(execution.input).requestedBy, "release-bot");
    const status = await runCli(["status", arn, "--endpoint-url", sandbox.server.endpoint]).done;
    assert.equal(status.code, 4);
    assert.match(status.stdout, /Still pending/);
    // The page lists it while it is open.
    assert.match((await fetchPage(sandbox.server.pageUrl)).body, /Fire and forget/);
  });

  it("--details-file: a file with CRLF line endings and trailing newlines reaches the input as LF lines without them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "details-file-"));
    try {
      const file = join(dir, "release-notes.txt");
      writeFileSync(file, "Rotates the signing key.\r\nRollback: redeploy v41.\r\n\r\n");
      const run = await runCli(
        requestArgs("--subject", "From a file", "--requested-by", "release-bot", "--details-file", file),
      ).done;
      assert.equal(run.code, 0, run.stderr);
      const arn = /^Started: (\S+)$/m.exec(run.stdout)?.[1];
      const execution = sandbox.server.executions().find((e) => e.executionArn === arn);
      assert.ok(execution, run.stdout);
      assert.equal(JSON.parse(execution.input).details, "Rotates the signing key.\nRollback: redeploy v41.");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--details-file that cannot be read: exits 1 naming the flag and the path, and starts nothing", async () => {
    const before = sandbox.server.executions().length;
    const missing = join(tmpdir(), `no-such-details-${process.pid}.txt`);
    const run = await runCli(requestArgs("--subject", "x", "--requested-by", "release-bot", "--details-file", missing))
      .done;
    assert.equal(run.code, 1);
    assert.ok(run.stderr.includes(`parallel-approval: cannot read --details-file ${missing}: ENOENT`), run.stderr);
    assert.equal(sandbox.server.executions().length, before, "nothing was started");
  });

  it("a state machine that does not exist: exits 1 saying so, and starts nothing", async () => {
    const before = sandbox.server.executions().length;
    const wrong = sandbox.server.stateMachineArn.replace("approval-workflow-local", "someone-elses");
    const run = await runCli([
      "request",
      "--endpoint-url",
      sandbox.server.endpoint,
      "--state-machine-arn",
      wrong,
      "--subject",
      "x",
    ]).done;
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no such state machine: State Machine Does Not Exist/);
    assert.equal(sandbox.server.executions().length, before);
  });

  it("bad flags exit 1 with the problem named, before any call: a malformed ARN, a bad duration, invalid input, both details flags", async () => {
    const cases: [string[], RegExp][] = [
      [["request", "--state-machine-arn", "arn:aws:s3:::bucket", "--subject", "x"], /not a state machine ARN/],
      [requestArgs("--subject", "x", "--wait", "--timeout", "soon"), /--timeout must be a duration/],
      [
        requestArgs("--subject", "x", "--review-url", "http://plain.example.com"),
        /invalid request: reviewUrl must be an absolute https URL/,
      ],
      [requestArgs("--subject", "x", "--details", "a", "--details-file", "f"), /cannot be used with option '--details/],
      [requestArgs("--details", "no subject"), /required option '--subject <text>' not specified/],
      [requestArgs("--subject", "x", "--timeout", "1h"), /--timeout applies to --wait/],
    ];
    const before = sandbox.server.executions().length;
    for (const [args, message] of cases) {
      const run = await runCli(args).done;
      assert.equal(run.code, 1, args.join(" "));
      assert.match(run.stderr, message, args.join(" "));
    }
    assert.equal(sandbox.server.executions().length, before, "nothing was started");
  });

  it("no credentials at all: exits 1 naming the SDK's credential chain", async () => {
    const child = spawn(process.execPath, [CLI, ...requestArgs("--subject", "x")], {
      env: {
        PATH: process.env.PATH ?? "",
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        AWS_EC2_METADATA_DISABLED: "true",
      },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const code = await new Promise((resolveCode) => child.on("close", resolveCode));
    assert.equal(code, 1);
    assert.match(stderr, /no AWS credentials found: the CLI uses the AWS SDK's default credential chain/);
  });
});

describe("the parallel-approval CLI: an expired request (sandbox with 2-second deadlines)", function () {
  this.timeout(60_000);
  let sandbox: ServeHarness;
  before(async () => (sandbox = await startServeHarness({ timeoutSeconds: 2 })));
  after(() => sandbox?.stop());

  it("exits 3 when nobody decides before the deadline, listing who missed it", async () => {
    const run = await runCli([
      "request",
      "--endpoint-url",
      sandbox.server.endpoint,
      "--state-machine-arn",
      sandbox.server.stateMachineArn,
      "--subject",
      "Too slow",
      "--wait",
      "--poll-interval",
      "1s",
    ]).done;
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, /^Outcome: EXPIRED/m);
    // The first deadline to pass makes the quorum of 2 unreachable: the stage ends there.
    assert.match(run.stdout, /(lead|finance)\s+missed the deadline\s+\(the deadline passed without a decision\)/);
    assert.match(run.stderr, /missed the deadline/, "the progress showed it too");
  });
});
