/**
 * How the sandbox is told to play automated reviewers: the CLI flags (--reviewer NAME=PATH,
 * --bedrock-answer, --bedrock-rules), the checks against the stack, and the stand-in's rules.
 */
import { strict as assert } from "node:assert";
import { reviewersProblem } from "../channels/automated/local";
import { parseStackConfig } from "../channels/registry";
import { chooseAnswer, parseRules } from "../local/bedrock-answers";
import { parseCliOptions, UsageError } from "../local/cli-options";
import { readStackSettings } from "../local/stack-config";
import { PROJECT_DIR } from "../devkit/pulumi-cli-config";

const approvers = parseStackConfig({
  approvers: [
    { name: "lint", mode: "vote", reviewer: { function: "arn:aws:lambda:eu-west-1:123456789012:function:lint" } },
    { name: "risk", reviewer: { bedrockModel: "amazon.nova-lite-v1:0", instructions: "check" } },
    { name: "finance", email: "f@example.com" },
  ],
}).stages[0].approvers;

describe("sandbox: automated reviewers' stand-ins", () => {
  it("reads the example stack Pulumi.automated.yaml (the README's usual flow) as pulumi up would", () => {
    const { settings } = readStackSettings(PROJECT_DIR, "automated");
    assert.deepEqual(
      settings.stages.map((stage) => [
        stage.name,
        stage.quorum,
        stage.approvers.map((a) => `${a.name}:${a.channel}:${a.mode}`),
      ]),
      [
        ["pre-review", 1, ["change-lint:automated:vote", "risk-model:automated:advice"]],
        ["owners", 2, ["finance:link:vote", "security:link:vote", "platform:link:vote"]],
      ],
    );
  });

  it("reads --reviewer NAME=PATH (repeatable), --bedrock-answer and --bedrock-rules", () => {
    const options = parseCliOptions([
      "--reviewer",
      "lint=./lint.js",
      "--reviewer",
      "style=./s.ts",
      "--bedrock-rules",
      "r.json",
    ]);
    assert.deepEqual(options.reviewers, { modules: { lint: "./lint.js", style: "./s.ts" }, bedrockRules: "r.json" });
    assert.deepEqual(parseCliOptions(["--bedrock-answer", "reject"]).reviewers, { bedrockAnswer: "reject" });
    assert.deepEqual(parseCliOptions([]).reviewers, {});
  });

  it("refuses a --reviewer without NAME=PATH and a --bedrock-answer other than approve or reject", () => {
    assert.throws(() => parseCliOptions(["--reviewer", "./lint.js"]), UsageError);
    assert.throws(() => parseCliOptions(["--bedrock-answer", "maybe"]), /must be approve or reject/);
  });

  it("refuses a module for a name that is no function reviewer of the stack, naming those that are", () => {
    assert.equal(reviewersProblem(approvers, { modules: { lint: "./l.js" } }), undefined);
    assert.equal(
      reviewersProblem(approvers, { modules: { risk: "./r.js", finance: "./f.js" } }),
      "--reviewer risk, finance: not a function reviewer of this stack (those are: lint)",
    );
    assert.match(
      reviewersProblem(approvers, { bedrockAnswer: "approve", bedrockRules: "x" }) ?? "",
      /cannot be combined/,
    );
  });

  it("rules: the first rule matching the request's text (and model) answers, else the default", () => {
    const rules = parseRules(
      JSON.stringify({
        rules: [
          { when: "drop table", answer: { decision: "reject", comment: "destructive" } },
          { model: "amazon.nova-lite-v1:0", answer: { text: "no tool" } },
        ],
        default: { error: "ThrottlingException" },
      }),
      "rules.json",
    );
    assert.deepEqual(chooseAnswer(rules, "x.y", "It will DROP TABLE invoices"), {
      decision: "reject",
      comment: "destructive",
    });
    assert.deepEqual(chooseAnswer(rules, "amazon.nova-lite-v1:0", "routine"), { text: "no tool" });
    assert.deepEqual(chooseAnswer(rules, "x.y", "routine"), { error: "ThrottlingException" });
  });

  it("rules: a file that is not JSON, or an answer of no known kind, is refused with what is wrong", () => {
    assert.throws(() => parseRules("{", "r.json"), /r\.json is not JSON/);
    assert.throws(
      () => parseRules(JSON.stringify({ rules: [{ when: "(", answer: { decision: "yes" } }] }), "r.json"),
      /rules\[0\]\.when is not a regular expression; rules\[0\]\.answer\.decision must be approve or reject/,
    );
    assert.throws(
      () => parseRules(JSON.stringify({ default: { error: "Nope" } }), "r.json"),
      /default\.error must be one of/,
    );
  });
});
