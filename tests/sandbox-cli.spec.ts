/**
 * `npm start` as a newcomer runs it: the CLI process (local/main.ts under tsx), its printed
 * links, decisions made over HTTP as a browser would post the form, and its exit status. The
 * approvers come from Pulumi.dev.yaml, read the same way the CLI reads them, so the test follows
 * the stack file whatever it lists.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createServer, type Server } from "node:net";
import { resolve } from "node:path";
import { readStackSettings } from "../local/stack-config";

const ROOT = resolve(__dirname, "..");
const TSX = resolve(ROOT, "node_modules", ".bin", "tsx");

interface Cli {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcessWithoutNullStreams>();

function startCli(args: string[]): Cli {
  const child = spawn(TSX, ["local/main.ts", ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "info" } });
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

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** The "Approval links" block: approver name → link. */
function printedLinks(stdout: string): Map<string, string> {
  const block = stdout.split("Approval links")[1]?.split("Waiting for decisions")[0] ?? "";
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

describe("npm start (the sandbox CLI)", function () {
  this.timeout(90_000);
  const dev = readStackSettings(ROOT, "dev");

  afterEach(() => {
    for (const child of running) child.kill("SIGKILL");
  });

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
      dev.settings.approvers.map((a) => a.name),
      "one link per approver, in config order",
    );
    for (const link of links.values())
      assert.ok(link.startsWith(`http://127.0.0.1:${port}/`), `${link} is on the chosen port`);
    for (const approver of dev.settings.approvers.filter((a) => a.channel === "link")) {
      assert.ok(
        cli.stdout().includes(`Email to ${approver.name} <${approver.email}>`),
        `the email to ${approver.name} is printed`,
      );
    }
    assert.match(cli.stdout(), /Subject: Approval requested: CLI test: rotate the signing key/);

    // Exactly the quorum approves, one by one, as browsers would post the form.
    const deciders = dev.settings.approvers.slice(0, dev.settings.quorum);
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
        `Outcome: APPROVED \\(${dev.settings.quorum} of ${dev.settings.approvers.length} approved; quorum ${dev.settings.quorum}\\)`,
      ),
    );
    const json = out.slice(out.indexOf("Execution output:") + "Execution output:".length).trim();
    const output = JSON.parse(json);
    assert.equal(output.outcome, "approved");
    assert.equal(output.request.subject, "CLI test: rotate the signing key");
    assert.equal(output.request.requestedBy, "ci");
    assert.equal(output.decisions.length, dev.settings.approvers.length);
    assert.ok(
      out.indexOf("Outcome:") > Math.max(...deciders.map((a) => out.indexOf(`${a.name} approved:`))),
      "decisions come before the outcome",
    );
    assert.equal(cli.stderr(), "", "nothing on stderr");
  });

  it("with --keep-open keeps serving the pages after the request closed, showing it closed, until Ctrl-C; then exits 0", async () => {
    const cli = startCli(["--port", "0", "--keep-open"]);
    await cli.waitFor(/Waiting for decisions/);
    const links = printedLinks(cli.stdout());
    const deciders = dev.settings.approvers.slice(0, dev.settings.quorum);
    for (const approver of deciders) assert.equal((await decide(links.get(approver.name)!, "approve")).status, 200);
    await cli.waitFor(/The pages stay up at/);

    const page = await fetch(links.get(deciders[0].name)!);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /This request is closed: approved\./);

    cli.child.kill("SIGINT");
    assert.equal(await cli.exited, 0);
  });

  it("ends the round as expired when nobody decides within --timeout, printing each expiry, and exits 0", async () => {
    const cli = startCli(["--port", "0", "--timeout", "1s"]);
    assert.equal(await cli.exited, 0, `exit status 0\nstderr:\n${cli.stderr()}`);
    const out = cli.stdout();
    assert.match(out, /1s each to decide \(--timeout\)/);
    const unreachableAfter = dev.settings.approvers.length - dev.settings.quorum + 1;
    const expiries = out.match(/^\s+\d\d:\d\d:\d\d  \S+ expired \(deadline passed\)$/gm) ?? [];
    assert.ok(expiries.length >= unreachableAfter, `at least ${unreachableAfter} expiries printed:\n${out}`);
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
  });

  it("prints the usage with --help and refuses an unknown flag with status 2", async () => {
    const help = startCli(["--help"]);
    assert.equal(await help.exited, 0);
    assert.match(help.stdout(), /Usage: npm start -- \[options\]/);
    assert.match(help.stdout(), /--keep-open/);

    const bad = startCli(["--colour"]);
    assert.equal(await bad.exited, 2);
    assert.match(bad.stderr(), /Unknown option '--colour'/);
  });
});
