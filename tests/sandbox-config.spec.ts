/**
 * What the sandbox CLI reads: the stack file, through the Pulumi CLI's config rules and then the
 * program's own validation (so it refuses what `pulumi up` refuses, misspelt keys included), and
 * its flags, with a sensible default request.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { ConfigError, FLAT_STAGE_NAME } from "../core/config";
import { DEFAULT_PORT, DEFAULT_REQUEST, parseCliOptions, UsageError } from "../local/cli-options";
import { unconfirmedProblem } from "../local/sandbox";
import { readStackSettings, StackConfigError, stackSettingsFromYaml } from "../local/stack-config";

const ROOT = resolve(__dirname, "..");

/** A stack file's text from its `parallel-approval:` settings, as YAML lines under `config:`. */
const stackYaml = (...lines: string[]) => `config:\n${lines.map((line) => `  ${line}`).join("\n")}\n`;

const TWO_APPROVERS = [
  "parallel-approval:approvers:",
  "  - name: a",
  "    email: a@example.com",
  "  - name: b",
  "    email: b@example.com",
];

const TWO_STAGES = [
  "parallel-approval:approvalTimeout: 2h",
  "parallel-approval:stages:",
  "  - name: pre-review",
  "    approvers:",
  "      - name: lead",
  "        email: lead@example.com",
  "  - name: owners",
  "    quorum: 1",
  "    approvalTimeout: 72h",
  "    approvers:",
  "      - name: finance",
  "        email: finance@example.com",
  "      - name: lead",
  "        email: lead@example.com",
];

/** The ConfigError's problems, or a failed assertion when the text does not throw one. */
function configProblems(yaml: string): string[] {
  try {
    stackSettingsFromYaml(yaml, "x");
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("the stack config was accepted");
}

describe("sandbox stack config (Pulumi.<stack>.yaml)", () => {
  it("reads the dev stack (flat keys) as one stage with its approvers, quorum, timeout and region", () => {
    const dev = readStackSettings(ROOT, "dev");
    assert.equal(dev.file, "Pulumi.dev.yaml");
    assert.equal(dev.settings.flat, true);
    assert.equal(dev.settings.stages.length, 1);
    const [stage] = dev.settings.stages;
    assert.equal(stage.name, FLAT_STAGE_NAME);
    assert.ok(stage.approvers.length >= 1);
    assert.ok(stage.quorum >= 1 && stage.quorum <= stage.approvers.length);
    assert.ok(stage.timeoutSeconds >= 60);
    assert.match(dev.region, /^[a-z]{2}-[a-z]+-\d$/);
  });

  it("applies the program's defaults: quorum = every approver, 7 days, region eu-west-1, the link channel", () => {
    const stack = stackSettingsFromYaml(stackYaml(...TWO_APPROVERS), "x");
    const [stage] = stack.settings.stages;
    assert.equal(stage.quorum, 2);
    assert.equal(stage.timeoutSeconds, 7 * 86400);
    assert.equal(stack.region, "eu-west-1");
    assert.deepEqual(
      stage.approvers.map((a) => a.channel),
      ["link", "link"],
    );
  });

  it("reads stages in order, each with its own quorum and timeout; the flat approvalTimeout is the default of a stage without one", () => {
    const stack = stackSettingsFromYaml(stackYaml(...TWO_STAGES), "x");
    assert.equal(stack.settings.flat, false);
    assert.deepEqual(
      stack.settings.stages.map(({ name, quorum, timeoutSeconds, approvers }) => ({
        name,
        quorum,
        timeoutSeconds,
        approvers: approvers.map((a) => a.name),
      })),
      [
        { name: "pre-review", quorum: 1, timeoutSeconds: 2 * 3600, approvers: ["lead"] },
        { name: "owners", quorum: 1, timeoutSeconds: 72 * 3600, approvers: ["finance", "lead"] },
      ],
    );
  });

  it("refuses invalid settings with the program's ConfigError, naming the stage and the entry of each problem", () => {
    const flat = configProblems(
      stackYaml(
        "parallel-approval:approvers:",
        "  - name: a",
        "    email: not-an-email",
        "parallel-approval:approvalTimeout: soon",
      ),
    );
    assert.equal(flat.length, 2, flat.join("\n"));
    assert.match(flat[0], /^parallel-approval:approvers\[0\] \(a\)\.email: /);
    assert.match(flat[1], /^parallel-approval:approvalTimeout: approvalTimeout "soon" is not a duration/);

    const tooMany = configProblems(stackYaml(...TWO_APPROVERS, "parallel-approval:quorum: 3"));
    assert.deepEqual(tooMany, [
      "parallel-approval:quorum: quorum 3 is more than the 2 voting approver(s) of this stage",
    ]);

    const staged = configProblems(
      stackYaml(
        "parallel-approval:stages:",
        "  - name: owners",
        "    approvers: []",
        "  - name: board",
        "    quorum: 2",
        "    approvers:",
        "      - name: cto",
        "        email: cto@example.com",
      ),
    );
    assert.deepEqual(staged, [
      "parallel-approval:stages[0] (owners).approvers: a stage must list at least one approver",
      "parallel-approval:stages[1] (board).quorum: quorum 2 is more than the 1 voting approver(s) of this stage",
    ]);
  });

  it("refuses misspelt parallel-approval keys, naming each key and the nearest known one (instead of running with the defaults)", () => {
    const problems = configProblems(
      stackYaml(...TWO_APPROVERS, "parallel-approval:quorom: 1", "parallel-approval:approvaltimeout: 1h"),
    );
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.match(problems[0], /^parallel-approval:quorom: unknown setting "quorom" \(did you mean "quorum"\?\)/);
    assert.match(
      problems[1],
      /^parallel-approval:approvaltimeout: unknown setting "approvaltimeout" \(did you mean "approvalTimeout"\?\)/,
    );

    const inStage = configProblems(
      stackYaml(
        "parallel-approval:stages:",
        "  - name: owners",
        "    quorom: 1",
        "    approvers:",
        "      - name: a",
        "        email: a@example.com",
      ),
    );
    assert.ok(
      inStage.some((p) =>
        /^parallel-approval:stages\[0\] \(owners\): unknown stage field "quorom" \(did you mean "quorum"\?\)/.test(p),
      ),
      inStage.join("\n"),
    );
  });

  it('reads parallel-approval:quorum: "1", as pulumi config set writes it, exactly like quorum: 1 (not the default, every approver)', () => {
    const quoted = stackSettingsFromYaml(stackYaml(...TWO_APPROVERS, 'parallel-approval:quorum: "1"'), "x");
    const plain = stackSettingsFromYaml(stackYaml(...TWO_APPROVERS, "parallel-approval:quorum: 1"), "x");
    assert.equal(quoted.settings.stages[0].quorum, 1);
    assert.deepEqual(quoted, plain);
  });

  it("applies the Pulumi CLI's rules first: a value of the wrong declared type is refused in the CLI's words", () => {
    assert.throws(
      () => stackSettingsFromYaml(stackYaml(...TWO_APPROVERS, "parallel-approval:quorum: two"), "x"),
      (error: unknown) =>
        error instanceof StackConfigError &&
        error.message ===
          "Pulumi.x.yaml: Stack 'x' with configuration key 'parallel-approval:quorum' must be of type 'integer'",
    );
  });

  it("says which file is missing, and refuses a file that is not YAML or a stack name that is a path", () => {
    assert.throws(
      () => readStackSettings(ROOT, "no-such-stack"),
      (error: unknown) =>
        error instanceof StackConfigError && /Pulumi\.no-such-stack\.yaml not found/.test(error.message),
    );
    assert.throws(() => stackSettingsFromYaml("config: [unclosed", "x"), StackConfigError);
    assert.throws(() => readStackSettings(ROOT, "../etc"), StackConfigError);
  });
});

describe("sandbox CLI flags", () => {
  it("defaults to the dev stack, port 8787 and a sample request asked by the current user", () => {
    const options = parseCliOptions([], { requestedBy: "alice" });
    assert.equal(options.stack, "dev");
    assert.equal(options.port, DEFAULT_PORT);
    assert.deepEqual(options.request, { ...DEFAULT_REQUEST, requestedBy: "alice" });
    assert.equal(options.timeoutSeconds, undefined);
    assert.deepEqual(options.unconfirmed, []);
    assert.equal(options.keepOpen, false);
  });

  it("takes the request, the stack, the port, a timeout, --unconfirmed (repeatable) and --keep-open from flags; an empty flag drops an optional field", () => {
    const options = parseCliOptions([
      "--stack",
      "prod",
      "--subject",
      "S",
      "--details",
      "",
      "--review-url",
      "https://x.example/1",
      "--requested-by",
      "bob",
      "--port",
      "0",
      "--timeout",
      "2m",
      "--unconfirmed",
      "finance",
      "--unconfirmed",
      "audit",
      "--unconfirmed",
      "finance",
      "--keep-open",
    ]);
    assert.equal(options.stack, "prod");
    assert.equal(options.port, 0);
    assert.equal(options.timeoutSeconds, 120);
    assert.deepEqual(options.unconfirmed, ["finance", "audit"]);
    assert.equal(options.keepOpen, true);
    assert.deepEqual(options.request, { subject: "S", reviewUrl: "https://x.example/1", requestedBy: "bob" });
  });

  it("refuses a bad port, a bad duration, an unknown flag, a stray argument and --unconfirmed without a name", () => {
    for (const argv of [
      ["--port", "http"],
      ["--port", "70000"],
      ["--timeout", "soon"],
      ["--nope"],
      ["extra"],
      ["--unconfirmed"],
    ]) {
      assert.throws(() => parseCliOptions(argv), UsageError, argv.join(" "));
    }
  });

  it("accepts --unconfirmed only for approvers of the stack who get email, and names the ones it knows", () => {
    const { settings } = stackSettingsFromYaml(stackYaml(...TWO_STAGES), "x");
    assert.equal(unconfirmedProblem(settings, ["lead", "finance"]), undefined);
    assert.equal(
      unconfirmedProblem(settings, ["lead", "fiance"]),
      "--unconfirmed fiance: not an approver with an email subscription in this stack (those are: lead, finance)",
    );
  });
});
