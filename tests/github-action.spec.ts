/**
 * The GitHub Action (action.yml): its inputs and outputs as the README documents them, every
 * input handed to the step as an environment variable (never spliced into the script), and the
 * step's script (cli/github-action.sh) run as a runner runs it, against the sandbox in --serve
 * mode: the outputs outcome, execution-arn and decisions, and the CLI's exit code as the step's.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { decide, SANDBOX_ENV, startServeHarness, type ServeHarness } from "./helpers/serve-sandbox";

const ROOT = resolve(__dirname, "..");

interface ActionFile {
  inputs: Record<string, { required?: boolean; default?: string; description: string }>;
  outputs: Record<string, { value: string; description: string }>;
  runs: {
    using: string;
    steps: { id?: string; uses?: string; run?: string; shell?: string; env?: Record<string, string> }[];
  };
}

const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as ActionFile;

describe("the GitHub Action (action.yml)", () => {
  it("is a composite action with the documented inputs and outputs", () => {
    assert.equal(action.runs.using, "composite");
    assert.deepEqual(Object.keys(action.inputs).sort(), [
      "change",
      "details",
      "requested-by",
      "review-url",
      "state-machine-arn",
      "subject",
      "timeout",
    ]);
    assert.deepEqual(
      Object.entries(action.inputs)
        .filter(([, input]) => input.required)
        .map(([name]) => name)
        .sort(),
      ["state-machine-arn", "subject"],
    );
    assert.deepEqual(Object.fromEntries(Object.entries(action.outputs).map(([name, output]) => [name, output.value])), {
      outcome: "${{ steps.request.outputs.outcome }}",
      "execution-arn": "${{ steps.request.outputs.execution-arn }}",
      decisions: "${{ steps.request.outputs.decisions }}",
    });
  });

  it("hands every input to its step as an environment variable, and no step's script splices an expression in", () => {
    const step = action.runs.steps.find((s) => s.id === "request")!;
    const passed = Object.values(step.env ?? {}).map((value) => /^\$\{\{ inputs\.([a-z-]+) \}\}$/.exec(value)?.[1]);
    assert.deepEqual(passed.sort(), Object.keys(action.inputs).sort());
    const scripts = action.runs.steps.filter((each) => each.run !== undefined).map((each) => each.run!);
    for (const script of scripts) assert.doesNotMatch(script, /\$\{\{/, script);
    assert.ok(
      scripts.some((script) => /npm ci --omit=dev --ignore-scripts/.test(script)),
      "installs from the lockfile",
    );
    assert.ok(
      action.runs.steps.some((each) => each.uses?.startsWith("actions/setup-node@")),
      "brings its Node.js",
    );
  });

  describe("its step against the sandbox (--serve)", function () {
    this.timeout(90_000);
    let sandbox: ServeHarness;
    let dir: string;
    before(async () => {
      sandbox = await startServeHarness();
      dir = mkdtempSync(join(tmpdir(), "pa-action-"));
    });
    after(async () => {
      await sandbox?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    let serial = 0;
    function step(inputs: Record<string, string>) {
      const output = join(dir, `output-${++serial}`);
      writeFileSync(output, "");
      const child = spawn("bash", [join(ROOT, "cli", "github-action.sh")], {
        env: {
          PATH: process.env.PATH ?? "",
          ...SANDBOX_ENV,
          CI: "true",
          GITHUB_ACTION_PATH: ROOT,
          GITHUB_OUTPUT: output,
          RUNNER_TEMP: dir,
          PA_ENDPOINT_URL: sandbox.server.endpoint,
          ...inputs,
        },
      });
      let log = "";
      child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
      return new Promise<{ code: number | null; outputs: Record<string, string>; log: string }>((done) =>
        child.on("close", (code) => {
          const outputs = Object.fromEntries(
            readFileSync(output, "utf8")
              .split("\n")
              .filter((line) => line.includes("="))
              .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
          );
          done({ code, outputs, log });
        }),
      );
    }

    const inputs = (extra: Record<string, string> = {}) => ({
      PA_STATE_MACHINE_ARN: sandbox.server.stateMachineArn,
      PA_SUBJECT: "Deploy web 7.1 to production",
      PA_DETAILS: "Release notes:\n- faster checkout",
      PA_REVIEW_URL: "https://github.com/example/web/actions/runs/42",
      PA_CHANGE: "0123abc",
      PA_TIMEOUT: "",
      PA_REQUESTED_BY: "",
      ...extra,
    });

    it("approved: the step passes; outcome, execution-arn and decisions are set", async () => {
      const running = step(inputs());
      const { asked, execution } = await sandbox.nextAsked();
      await decide(asked, "lead", "approve", "Ship it");
      await decide(asked, "finance", "approve");
      const { code, outputs, log } = await running;
      assert.equal(code, 0, log);
      assert.equal(outputs.outcome, "approved");
      assert.equal(outputs["execution-arn"], execution.executionArn);
      const decisions = JSON.parse(outputs.decisions);
      assert.deepEqual(
        decisions.map((d: { approver: string; decision: string }) => [d.approver, d.decision]),
        [
          ["lead", "approve"],
          ["finance", "approve"],
        ],
      );
      assert.match(log, /lead approved \(lead@example\.com\)/, "progress in the job's log");
      const input = JSON.parse(execution.input);
      assert.deepEqual(input, {
        subject: "Deploy web 7.1 to production",
        details: "Release notes:\n- faster checkout",
        reviewUrl: "https://github.com/example/web/actions/runs/42",
        change: "0123abc",
        requestedBy: "arn:aws:iam::000000000000:user/ci-tester",
      });
    });

    it("rejected: the step fails with 2, and the outputs still say what happened", async () => {
      const running = step(inputs({ PA_REQUESTED_BY: "release-bot" }));
      const { asked } = await sandbox.nextAsked();
      await decide(asked, "finance", "reject", "Not today");
      const { code, outputs } = await running;
      assert.equal(code, 2);
      assert.equal(outputs.outcome, "rejected");
      assert.equal(
        JSON.parse(outputs.decisions).find((d: { approver: string }) => d.approver === "finance").comment,
        "Not today",
      );
    });

    it("the timeout ran out: the step fails with 4, outcome pending, the request stays open", async () => {
      const running = step(inputs({ PA_TIMEOUT: "2s" }));
      const { execution } = await sandbox.nextAsked();
      const { code, outputs } = await running;
      assert.equal(code, 4);
      assert.equal(outputs.outcome, "pending");
      assert.equal(outputs["execution-arn"], execution.executionArn);
      assert.equal(execution.status, "RUNNING");
    });

    it("an error (a state machine that does not exist): the step fails with 1, outcome error", async () => {
      const { code, outputs, log } = await step(
        inputs({ PA_STATE_MACHINE_ARN: `${sandbox.server.stateMachineArn}-gone` }),
      );
      assert.equal(code, 1);
      assert.equal(outputs.outcome, "error");
      assert.equal(outputs["execution-arn"], "");
      assert.match(log, /no such state machine/);
    });
  });
});
