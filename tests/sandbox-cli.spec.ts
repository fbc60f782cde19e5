/**
 * `npm start` as a newcomer runs it: the CLI process (local/main.ts, started as package.json's
 * `start` script starts it), its printed stages, links and emails, decisions made over HTTP as a
 * browser would post the form, and its exit status. The dev stack's approvers come from
 * Pulumi.dev.yaml, read the same way the CLI reads them, so the tests follow the stack file
 * whatever it lists; a two-stage stack is written next to it for the stage tests.
 *
 * Stopping is tested through npm itself: `kill -TERM` and `kill -INT` of the npm process, and
 * Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while a decision is in flight.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { createServer, type Server } from "node:net";
import { resolve } from "node:path";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { readStackSettings } from "../local/stack-config";

const ROOT = resolve(__dirname, "..");

interface Cli {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcessWithoutNullStreams>();
/** Process groups of the `npm start` runs: whatever is left of them is ended after each test. */
const groups = new Set<number>();

/** Follows a started process's output and exit. */
function follow(child: ChildProcessWithoutNullStreams): Cli {
  running.add(child);
  let out = "";
  let err = "";
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
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolveExit) =>
    child.on("exit", (code) => {
      running.delete(child);
      resolveExit(code);
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern) =>
      new Promise((resolveMatch, reject) => {
        const match = out.match(pattern);
        if (match) return resolveMatch(match);
        waiters.push({ pattern, resolve: resolveMatch });
        void exited.then((code) =>
          reject(new Error(`the CLI exited (${code}) before printing ${pattern}\nstdout:\n${out}\nstderr:\n${err}`)),
        );
      }),
  };
}

const ENV = { ...process.env, LOG_LEVEL: "info" };

/** The CLI as `npm start` runs it (package.json's start script, without npm). */
function startCli(args: string[]): Cli {
  return follow(spawn("node", ["--import", "tsx", "local/main.ts", ...args], { cwd: ROOT, env: ENV }));
}

/** `npm start -- <args>` in a process group of its own (as a terminal's foreground job is). */
function startWithNpm(args: string[]): Cli {
  const npm = spawn("npm", ["start", "--", ...args], { cwd: ROOT, env: ENV, detached: true });
  groups.add(npm.pid!);
  return follow(npm);
}

/** The direct children of a process (Linux /proc). */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return text === "" ? [] : text.split(/\s+/).map(Number);
}

/** Whether any process is left in the process group (kill with signal 0 only checks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** `npm start -- --serve ...` once it waits for requests: where to start them, and a request started there. */
async function served(args: string[]) {
  const cli = startCli(["--serve", "--port", "0", ...args]);
  const header = (await cli.waitFor(/[\s\S]*Waiting for requests/))[0];
  const stateMachineArn = /state machine: (\S+)/.exec(header)![1];
  const endpoint = /endpoint: +(http:\/\/127\.0\.0\.1:\d+)/.exec(header)![1];
  const region = /AWS_REGION=(\S+)/.exec(header)![1];
  const sfn = new SFNClient({ endpoint, region, credentials: { accessKeyId: "sandbox", secretAccessKey: "sandbox" } });
  const start = async (input: Record<string, string>) => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
    );
    return executionArn!.split(":").pop()!;
  };
  return { cli, header, start };
}

/** An "Approval links" block (the first, or the one for stage `stage`): approver name → link. */
function printedLinks(stdout: string, stage?: number): Map<string, string> {
  const heading = stage === undefined ? "Approval links" : `Approval links for stage ${stage} of`;
  const block = stdout.split(heading)[1]?.split("Waiting for decisions")[0] ?? "";
  return new Map([...block.matchAll(/^\s+(\S+)\s+(http:\/\/127\.0\.0\.1:\d+\/\S+)$/gm)].map((m) => [m[1], m[2]]));
}

function decide(link: string, decision: "approve" | "reject", comment?: string): Promise<Response> {
  const form = new URLSearchParams({ decision });
  if (comment) form.set("comment", comment);
  return fetch(link, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
}

/** The execution output the CLI printed last. */
function printedOutput(stdout: string) {
  return JSON.parse(stdout.slice(stdout.indexOf("Execution output:") + "Execution output:".length).trim());
}

/** Asserts that each text appears in `out`, each after the one before. */
function assertInOrder(out: string, texts: (string | RegExp)[]): void {
  let from = 0;
  for (const text of texts) {
    const rest = out.slice(from);
    const at = typeof text === "string" ? rest.indexOf(text) : rest.search(text);
    assert.ok(at >= 0, `"${text}" is printed after what comes before it:\n${out}`);
    from += at + 1;
  }
}

/** Raw terminal controls: ESC, BEL, C1 controls (U+0080–U+009F), bidi overrides and isolates. */
// eslint-disable-next-line no-control-regex -- matching raw control characters is the point
const TERMINAL_CONTROLS = /[\u0007\u001b\u0080-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A stack file in the project directory for the duration of a test run; `remove()` deletes it. */
function writeStack(name: string, yaml: string): { stack: string; remove(): void } {
  const stack = `${name}-${process.pid}`;
  const file = resolve(ROOT, `Pulumi.${stack}.yaml`);
  writeFileSync(file, yaml);
  return { stack, remove: () => rmSync(file, { force: true }) };
}

const TWO_STAGES = `config:
  aws:region: eu-west-1
  parallel-approval:stages:
    - name: pre-review
      approvers:
        - name: lead
          email: release-lead@example.com
    - name: owners
      quorum: 1
      approvalTimeout: 72h
      approvers:
        - name: finance
          email: finance-lead@example.com
        - name: security
          email: security@example.com
`;

describe("npm start (the sandbox CLI)", function () {
  this.timeout(90_000);
  const dev = readStackSettings(ROOT, "dev");
  const [devStage] = dev.settings.stages;
  const stacks: { remove(): void }[] = [];

  afterEach(() => {
    for (const child of running) child.kill("SIGKILL");
    // An npm run leads a process group: end whatever is left of it, orphans included.
    for (const pgid of groups) {
      if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
      groups.delete(pgid);
    }
  });
  after(() => stacks.forEach((stack) => stack.remove()));

  it("prints each approver's link and email, each decision, the outcome and the execution output, and exits 0", async () => {
    const port = await freePort();
    const cli = startCli([
      "--port",
      String(port),
      "--subject",
      "CLI test: rotate the signing key",
      "--requested-by",
      "ci",
    ]);
    await cli.waitFor(/Waiting for decisions/);
    const links = printedLinks(cli.stdout());
    assert.deepEqual(
      [...links.keys()],
      devStage.approvers.map((a) => a.name),
      "one link per approver, in config order",
    );
    for (const link of links.values())
      assert.ok(link.startsWith(`http://127.0.0.1:${port}/`), `${link} is on the chosen port`);
    for (const approver of devStage.approvers.filter((a) => a.channel === "link")) {
      assert.ok(
        cli.stdout().includes(`Email to ${approver.name} <${approver.email}>`),
        `the email to ${approver.name} is printed`,
      );
    }
    assert.match(cli.stdout(), /Subject: Approval requested: CLI test: rotate the signing key/);
    assert.doesNotMatch(cli.stdout(), /Stage 1 of/, "one stage needs no stage headings");

    // Exactly the quorum approves, one by one, as browsers would post the form.
    const deciders = devStage.approvers.slice(0, devStage.quorum);
    for (const approver of deciders) {
      const answer = await decide(links.get(approver.name)!, "approve", `ok from ${approver.name}`);
      assert.equal(answer.status, 200);
    }

    assert.equal(await cli.exited, 0, `exit status 0\nstderr:\n${cli.stderr()}`);
    const out = cli.stdout();
    for (const approver of deciders) {
      assert.match(
        out,
        new RegExp(`\\d\\d:\\d\\d:\\d\\d  ${approver.name} approved: "ok from ${approver.name}"`),
        `${approver.name}'s decision is printed`,
      );
    }
    assert.match(
      out,
      new RegExp(
        `Outcome: APPROVED \\(${devStage.quorum} of ${devStage.approvers.length} approved; quorum ${devStage.quorum}\\)`,
      ),
    );
    const output = printedOutput(out);
    assert.equal(output.outcome, "approved");
    assert.equal(output.request.subject, "CLI test: rotate the signing key");
    assert.equal(output.request.requestedBy, "ci");
    assert.equal(output.decisions.length, devStage.approvers.length);
    assert.ok(
      out.indexOf("Outcome:") > Math.max(...deciders.map((a) => out.indexOf(`${a.name} approved:`))),
      "decisions come before the outcome",
    );
    assert.equal(cli.stderr(), "", "nothing on stderr");
  });

  it("runs a two-stage stack file stage by stage, printing each stage as it opens and ends; --unconfirmed makes an approver unreachable at once", async () => {
    const stack = writeStack("sandbox-cli-two-stages", TWO_STAGES);
    stacks.push(stack);
    const cli = startCli(["--stack", stack.stack, "--port", "0", "--unconfirmed", "security"]);
    await cli.waitFor(/Waiting for decisions/);
    assert.deepEqual([...printedLinks(cli.stdout(), 1).keys()], ["lead"]);
    assert.doesNotMatch(cli.stdout(), /Email to finance|Stage 2 of 2/, "stage 2 is not asked while stage 1 is open");
    assert.equal((await decide(printedLinks(cli.stdout(), 1).get("lead")!, "approve", "window booked")).status, 200);

    await cli.waitFor(/Approval links for stage 2 of 2[^]*Waiting for decisions/);
    const owners = printedLinks(cli.stdout(), 2);
    assert.deepEqual([...owners.keys()], ["finance"], "security was not sent a link");
    assert.equal((await decide(owners.get("finance")!, "approve")).status, 200);

    assert.equal(await cli.exited, 0, `exit status 0\nstderr:\n${cli.stderr()}`);
    const out = cli.stdout();
    assertInOrder(out, [
      "  stage 1 pre-review: lead; quorum 1 of 1",
      "  stage 2 owners: finance, security; quorum 1 of 2",
      "  unconfirmed email subscriptions (--unconfirmed): security",
      "Stage 1 of 2 (pre-review) opened.",
      "Email to lead <release-lead@example.com>",
      "Approval links for stage 1 of 2",
      /\d\d:\d\d:\d\d {2}lead approved: "window booked" \(release-lead@example\.com, link\)/,
      "Stage 1 of 2 (pre-review) ended: approved.",
      "Stage 2 of 2 (owners) opened.",
      "Approval links for stage 2 of 2",
      /\d\d:\d\d:\d\d {2}finance approved \(finance-lead@example\.com, link\)/,
      "Stage 2 of 2 (owners) ended: approved.",
      "Outcome: APPROVED",
      "  stage 1 pre-review: approved (1 of 1 approved; quorum 1)",
      "  stage 2 owners: approved (1 of 2 approved; quorum 1)",
    ]);
    // Unreachable at once: recorded when stage 2 opened, before anyone of stage 2 decided.
    assertInOrder(out, [
      "Stage 2 of 2 (owners) opened.",
      /\[approval-notify-approver\] \{.*"level":"ERROR".*"approver":"security"/,
      /security could not be reached: security has no confirmed email subscription .* \(link channel\)/,
      "finance approved",
    ]);
    assert.doesNotMatch(out, /Email to security/);

    const output = printedOutput(out);
    assert.deepEqual(
      output.stages.map((s: { name: string; outcome: string }) => [s.name, s.outcome]),
      [
        ["pre-review", "approved"],
        ["owners", "approved"],
      ],
    );
    assert.deepEqual(
      output.decisions.map((d: { stage: string; approver: string; decision: string }) => [
        d.stage,
        d.approver,
        d.decision,
      ]),
      [
        ["pre-review", "lead", "approve"],
        ["owners", "finance", "approve"],
        ["owners", "security", "unreachable"],
      ],
    );
    const security = output.decisions.find((d: { approver: string }) => d.approver === "security");
    assert.match(
      security.reason,
      /^security has no confirmed email subscription/,
      "the reason is a sentence, not JSON",
    );
    assert.equal(cli.stderr(), "", "nothing on stderr");
  });

  it("prints subjects and comments with terminal escape sequences (ESC, BEL, C1 U+009B, bidi overrides) neutralised", async () => {
    const subject = "Deploy\u001b[2K\u0007 \u009b31m fake \u202eline";
    const rejected = startCli(["--port", "0", "--subject", subject, "--details", "first\u001b[1A"]);
    assert.equal(await rejected.exited, 1, "the workflow refuses control characters in the input");
    const refusedOut = rejected.stdout();
    assert.doesNotMatch(refusedOut, TERMINAL_CONTROLS, "nothing printed carries a raw control character");
    assert.ok(refusedOut.includes("request:   Deploy\\u{1b}[2K\\u{7} \\u{9b}31m fake \\u{202e}line"), refusedOut);
    assert.match(refusedOut, /The execution ended FAILED: Approval\.InvalidInput/);

    const cli = startCli(["--port", "0", "--subject", "Deploy \u202etxt.exe"]);
    await cli.waitFor(/Waiting for decisions/);
    const links = printedLinks(cli.stdout());
    const [first, ...rest] = devStage.approvers.slice(0, devStage.quorum);
    const control = await decide(links.get(first.name)!, "approve", "fine\u001b[1A\u001b[2K  all approved");
    assert.equal(control.status, 400, "the page refuses a comment with a control character");
    assert.equal(
      (await decide(links.get(first.name)!, "approve", "ok \u202edesrever\u202c \u2066x\u2069")).status,
      200,
    );
    for (const approver of rest) assert.equal((await decide(links.get(approver.name)!, "approve")).status, 200);
    assert.equal(await cli.exited, 0, cli.stderr());
    const out = cli.stdout();
    assert.doesNotMatch(out, TERMINAL_CONTROLS, "nothing printed carries a raw control character");
    assert.ok(out.includes(`${first.name} approved: "ok \\u{202e}desrever\\u{202c} \\u{2066}x\\u{2069}"`), out);
    assert.ok(out.includes("  | Subject:      Deploy \\u{202e}txt.exe"), "in the email too");
  });

  it("refuses a stack file with a misspelt parallel-approval key, naming it and the nearest known key, and starts nothing (exit 2)", async () => {
    const stack = writeStack(
      "sandbox-cli-typo",
      TWO_STAGES.replace("parallel-approval:stages:", "parallel-approval:quorom: 1\n  parallel-approval:stages:"),
    );
    stacks.push(stack);
    const cli = startCli(["--stack", stack.stack, "--port", "0"]);
    assert.equal(await cli.exited, 2);
    assert.match(
      cli.stderr(),
      /parallel-approval:quorom: unknown setting "quorom" \(did you mean "quorum"\?\)/,
      "the key and the nearest known one",
    );
    assert.equal(cli.stdout(), "", "nothing started");
  });

  it("with --keep-open keeps serving the pages after the request closed, showing it closed, until Ctrl-C; then exits 0", async () => {
    const cli = startCli(["--port", "0", "--keep-open"]);
    await cli.waitFor(/Waiting for decisions/);
    const links = printedLinks(cli.stdout());
    const deciders = devStage.approvers.slice(0, devStage.quorum);
    for (const approver of deciders) assert.equal((await decide(links.get(approver.name)!, "approve")).status, 200);
    await cli.waitFor(/The pages stay up at/);

    const page = await fetch(links.get(deciders[0].name)!);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /This request is closed: approved\./);

    cli.child.kill("SIGINT");
    assert.equal(await cli.exited, 0);
  });

  it("ends the request as expired when nobody decides within --timeout, printing each missed deadline, and exits 0", async () => {
    const cli = startCli(["--port", "0", "--timeout", "1s"]);
    assert.equal(await cli.exited, 0, `exit status 0\nstderr:\n${cli.stderr()}`);
    const out = cli.stdout();
    assert.match(out, /1s each to decide \(--timeout\)/);
    const unreachableAfter = devStage.approvers.length - devStage.quorum + 1;
    const expiries = out.match(/^\s+\d\d:\d\d:\d\d {2}\S+ missed the deadline$/gm) ?? [];
    assert.ok(expiries.length >= unreachableAfter, `at least ${unreachableAfter} missed deadlines printed:\n${out}`);
    assert.match(out, /Outcome: EXPIRED/);
  });

  it("says the port is in use and exits non-zero when --port is taken", async () => {
    const taken: Server = createServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
    const { port } = taken.address() as { port: number };
    try {
      const cli = startCli(["--port", String(port)]);
      const code = await cli.exited;
      assert.equal(code, 1);
      assert.match(cli.stderr(), new RegExp(`port ${port} is in use; pass --port N`));
      assert.doesNotMatch(cli.stdout(), /Approval links/);
    } finally {
      await new Promise<void>((done) => taken.close(() => done()));
    }
  });

  it("stops cleanly on Ctrl-C (SIGINT) while waiting for decisions, exiting 130", async () => {
    const cli = startCli(["--port", "0"]);
    await cli.waitFor(/Waiting for decisions/);
    cli.child.kill("SIGINT");
    assert.equal(await cli.exited, 130);
    assert.match(cli.stdout(), /SIGINT: stopping the sandbox/);
    assert.match(cli.stdout(), /Stopped before the request closed\./);
    assert.equal(cli.stderr(), "");
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`kill -${signal.slice(3)} <npm pid> stops the sandbox's node process too (nothing of npm start is left), exiting 130`, async () => {
      const npm = startWithNpm(["--port", "0"]);
      await npm.waitFor(/Waiting for decisions/);
      const pageUrl = npm.stdout().match(/pages: {5}(http:\/\/127\.0\.0\.1:\d+\/)/)![1];
      assert.equal(childrenOf(npm.child.pid!).length, 1, "npm runs one child");
      npm.child.kill(signal);
      assert.equal(await npm.exited, 130, `npm exits with the sandbox's status\nstderr:\n${npm.stderr()}`);
      assert.equal(groupAlive(npm.child.pid!), false, "no process of npm start is left running");
      assert.match(npm.stdout(), new RegExp(`${signal}: stopping the sandbox`));
      await assert.rejects(fetch(pageUrl), "the pages are no longer served");
    });
  }

  it("on Ctrl-C during a POST in flight answers it with a proper page, then closes the store and exits 130 without an error", async () => {
    const npm = startWithNpm(["--port", "0"]);
    await npm.waitFor(/Waiting for decisions/);
    const [approver] = devStage.approvers;
    const link = new URL(printedLinks(npm.stdout()).get(approver.name)!);

    // The decision's headers and the first half of its body go out; the rest waits for the signal.
    const body = "decision=approve&comment=sent+while+stopping";
    const post: ClientRequest = httpRequest(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) },
    });
    const answered = new Promise<IncomingMessage>((done, fail) => post.on("response", done).on("error", fail));
    post.write(body.slice(0, 10));
    // Answered after the POST's headers were read: the POST is in flight on the server.
    assert.equal((await fetch(link)).status, 200);

    process.kill(-npm.child.pid!, "SIGINT"); // what a terminal's Ctrl-C does: the whole foreground group
    await npm.waitFor(/SIGINT: stopping the sandbox/);
    post.end(body.slice(10));
    const response = await answered;
    let html = "";
    for await (const chunk of response) html += String(chunk);

    assert.equal(response.statusCode, 200, html);
    assert.match(response.headers["content-type"] ?? "", /^text\/html/);
    assert.match(String(response.headers["content-security-policy"]), /default-src 'none'/);
    assert.equal(response.headers["x-content-type-options"], "nosniff");
    assert.match(html, /Your approval was recorded/);

    assert.equal(await npm.exited, 130, `exit 130\nstderr:\n${npm.stderr()}`);
    assert.doesNotMatch(npm.stderr(), /Error|Database is closed|\n\s+at /, "no crash, no stack trace");
    assertInOrder(npm.stdout(), [
      "SIGINT: stopping the sandbox",
      new RegExp(`${approver.name} approved: "sent while stopping"`),
      "Stopped before the request closed.",
    ]);
    assert.equal(groupAlive(npm.child.pid!), false, "nothing is left running");
  });

  it("--serve --sign-in serves the pages behind a local OpenID Provider: the header names it, a link's page asks to sign in", async () => {
    const { cli, header, start } = await served(["--sign-in"]);
    assert.match(header, /sign-in: +a local OpenID Provider at http:\/\/127\.0\.0\.1:\d+;/);
    const name = await start({ subject: "Served behind sign-in", requestedBy: "ci" });
    const [, approver, link] = await cli.waitFor(
      new RegExp(`\\[${name}\\]\\s+(${devStage.approvers[0].name})\\s+(http:\\/\\/127\\.0\\.0\\.1:\\d+\\/r\\/\\S+)`),
    );
    assert.equal(approver, devStage.approvers[0].name);
    const page = await fetch(link);
    const body = await page.text();
    assert.equal(page.status, 200);
    assert.match(body, /Sign in to decide/);
    assert.doesNotMatch(body, /name="decision"/, "no form without a session");
  });

  it("--serve --reviewer plays the stack's function reviewer with the given module; a name that is no function reviewer exits 2", async () => {
    const { cli, start } = await served([
      "--stack",
      "automated",
      "--reviewer",
      "change-lint=tests/fixtures/reviewers/change-lint.ts",
      "--bedrock-answer",
      "reject",
    ]);
    const name = await start({ subject: "Served with reviewers", requestedBy: "ci" });
    // The module's own answer: without it the reviewer would abstain.
    await cli.waitFor(
      new RegExp(`\\[${name}\\] .*change-lint .*No destructive statement in \\\\?"Served with reviewers`),
    );

    const refused = startCli(["--serve", "--port", "0", "--stack", "automated", "--reviewer", "finance=./f.js"]);
    const first = await Promise.race([refused.exited, refused.waitFor(/Waiting for requests/).then(() => "served")]);
    assert.equal(first, 2, refused.stdout());
    assert.match(
      refused.stderr(),
      /--reviewer finance: not a function reviewer of this stack \(those are: change-lint\)\n\(npm start -- --help lists the options\)/,
    );
  });

  it("prints the usage with --help (documenting --unconfirmed) and refuses an unknown flag or approver with status 2", async () => {
    const help = startCli(["--help"]);
    assert.equal(await help.exited, 0);
    assert.match(help.stdout(), /Usage: npm start -- \[options\]/);
    assert.match(help.stdout(), /--keep-open/);
    assert.match(help.stdout(), /--unconfirmed NAME +leave approver NAME's email subscription unconfirmed/);
    assert.match(help.stdout(), /recorded at once as unreachable/);

    const bad = startCli(["--colour"]);
    assert.equal(await bad.exited, 2);
    assert.match(bad.stderr(), /Unknown option '--colour'/);

    const nobody = startCli(["--unconfirmed", "nobody"]);
    assert.equal(await nobody.exited, 2);
    assert.match(nobody.stderr(), /--unconfirmed nobody: not an approver with an email subscription in this stack/);
  });
});
