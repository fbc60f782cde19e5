/**
 * Stack config of automated reviewers: the two kinds, the mode, and every mistake named with its
 * stage and entry before any resource exists, like the other channels' entries.
 */
import { strict as assert } from "node:assert";
import { parseStackConfig } from "../channels/registry";
import { ConfigError } from "../core/config";

const LINT = "arn:aws:lambda:eu-west-1:123456789012:function:change-lint";
const HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail("expected a ConfigError");
}

const pre = (...approvers: unknown[]) => ({ stages: [{ name: "pre", approvers }] });

describe("config: automated reviewers", () => {
  it("reads a function reviewer and a Bedrock reviewer: advice by default, no email, decided by the ARN or model id", () => {
    const [stage] = parseStackConfig(
      pre(
        { name: "lint", mode: "vote", reviewer: { function: `${LINT}:live` } },
        { name: "risk", reviewer: { bedrockModel: `eu.${HAIKU}`, instructions: "  Reject table drops.  " } },
      ),
    ).stages;
    assert.deepEqual(stage.approvers, [
      {
        name: "lint",
        channel: "automated",
        mode: "vote",
        address: `${LINT}:live`,
        options: { function: `${LINT}:live` },
      },
      {
        name: "risk",
        channel: "automated",
        mode: "advice",
        address: `eu.${HAIKU}`,
        options: { bedrockModel: `eu.${HAIKU}`, instructions: "Reject table drops." },
      },
    ]);
    assert.equal(stage.quorum, 1, "only the voter counts");
  });

  it("names every mistake in a reviewer entry with its stage and entry", () => {
    assert.deepEqual(
      problemsOf(
        pre({ name: "lint", reviewer: { function: "arn:aws:lambda:eu-west-1:123456789012:function:*" }, mode: "veto" }),
      ),
      [
        "parallel-approval:stages[0] (pre).approvers[0] (lint).reviewer.function: function must be a Lambda function ARN, e.g. arn:aws:lambda:eu-west-1:123456789012:function:change-reviewer (a version or alias may follow)",
        'parallel-approval:stages[0] (pre).approvers[0] (lint).mode: mode must be "advice" (shown to people, the default) or "vote"',
      ],
    );
    assert.deepEqual(problemsOf(pre({ name: "risk", reviewer: { bedrockModel: HAIKU } })), [
      "parallel-approval:stages[0] (pre).approvers[0] (risk).reviewer.instructions: instructions are required with bedrockModel: what the model is to check, e.g. 'Reject schema changes without a rollback plan'",
    ]);
    assert.deepEqual(problemsOf(pre({ name: "both", reviewer: { function: LINT, bedrockModel: HAIKU } })), [
      "parallel-approval:stages[0] (pre).approvers[0] (both).reviewer: a reviewer has either function or bedrockModel, not both",
    ]);
    assert.match(
      problemsOf(pre({ name: "r", reviewer: { bedrockModel: "claude", instructions: "x" } }))[0],
      /bedrockModel must be a Bedrock model id/,
    );
    assert.match(
      problemsOf(pre({ name: "r", reviewer: {} }))[0],
      /a reviewer is \{ function: <Lambda function ARN> \} or \{ bedrockModel/,
    );
  });

  it("a misspelt reviewer field is named with the nearest one", () => {
    assert.deepEqual(
      problemsOf(pre({ name: "r", reviewer: { bedrockModle: HAIKU, instructions: "x" } }))[0],
      'parallel-approval:stages[0] (pre).approvers[0] (r).reviewer.bedrockModle: unknown reviewer field "bedrockModle" (did you mean "bedrockModel"?); the reviewer fields are function, bedrockModel, instructions',
    );
  });

  it("an unknown approver field lists the fields of every channel's schema; another channel's field is named as not applying", () => {
    const [typo] = problemsOf(pre({ name: "r", reviewer: { function: LINT }, mdoe: "vote" }));
    assert.ok(
      typo.startsWith(
        'parallel-approval:stages[0] (pre).approvers[0] (r): unknown field "mdoe" (did you mean "mode"?); the fields are name, email, iamPrincipal, reviewer, mode',
      ),
      typo,
    );
    const [email] = problemsOf(pre({ name: "r", reviewer: { function: LINT }, email: "r@example.com" }));
    assert.ok(
      email.includes('field "email" does not apply to this approver: an automated approver has name, reviewer'),
      email,
    );
    assert.match(
      problemsOf(
        pre({
          name: "x",
          iamPrincipal: "arn:aws:iam::123456789012:role/A",
          email: "a@b.co",
          reviewer: { function: LINT },
        }),
      )[0],
      /iamPrincipal and reviewer cannot be combined/,
    );
  });

  it("a stage of advisors only takes no quorum; the same reviewer in two stages must have the same settings", () => {
    assert.match(
      problemsOf({ stages: [{ name: "pre", quorum: 1, approvers: [{ name: "r", reviewer: { function: LINT } }] }] })[0],
      /only advisors \(mode: advice\).*remove quorum/,
    );
    const problems = problemsOf({
      stages: [
        { name: "pre", approvers: [{ name: "r", reviewer: { function: LINT } }] },
        { name: "post", approvers: [{ name: "r", mode: "vote", reviewer: { function: LINT } }] },
      ],
    });
    assert.match(problems[0], /"r" is also an approver of stage "pre" with other settings/);
  });

  it("refuses a global inference profile, naming the entry and the geographic profiles to use instead", () => {
    // https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html: a global
    // profile needs the Region-less foundation-model ARN in the grant, which this stack does not grant.
    assert.deepEqual(
      problemsOf(pre({ name: "risk", reviewer: { bedrockModel: `global.${HAIKU}`, instructions: "x" } })),
      [
        `parallel-approval:stages[0] (pre).approvers[0] (risk).reviewer.bedrockModel: global cross-Region inference profiles are not supported: this stack cannot grant the Region-less model ARN they need. Use a geographic profile (us., us-gov., eu., apac., jp., au., ca.) or a foundation model id, e.g. us.${HAIKU}`,
      ],
    );
    for (const accepted of [HAIKU, `us.${HAIKU}`, `eu.${HAIKU}`, `apac.${HAIKU}`])
      assert.doesNotThrow(() =>
        parseStackConfig(pre({ name: "risk", reviewer: { bedrockModel: accepted, instructions: "x" } })),
      );
  });
});
