/**
 * Stack config validation (core/config.ts with the channel registry), and reading it from a
 * running stack (components/stack-config.ts): the settings each shape gives, and a problem line
 * naming the stage and the entry for every mistake, all at once, before any resource exists.
 */
import { strict as assert } from "node:assert";
import { parseStackConfig } from "../channels/registry";
import { readStackConfig } from "../components/stack-config";
import { ConfigError, FLAT_STAGE_NAME, nearestKey, WORKFLOW_CONFIG_KEYS } from "../core/config";
import { formatDuration, parseDuration } from "../core/durations";
import { MAX_APPROVERS, MAX_STAGES } from "../core/limits";

const finance = { name: "finance", email: "finance-lead@example.com" };
const security = { name: "security", email: "security@example.com" };
const legal = { name: "legal", email: "legal@example.com" };
const SECURITY_ROLE = "arn:aws:iam::123456789012:role/SecurityApprover";
const iamSecurity = { ...security, iamPrincipal: SECURITY_ROLE };

const many = (count: number, prefix = "a") =>
  Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i}`, email: `${prefix}${i}@example.com` }));

/** The problem lines of a ConfigError, so each test asserts the exact entry and rule. */
function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

describe("stack config validation", () => {
  describe("the flat keys: one stage", () => {
    it("applies the defaults: every approver must approve, 7 days each, link channel", () => {
      const settings = parseStackConfig({ approvers: [finance, security] });
      assert.equal(settings.flat, true);
      assert.equal(settings.stages.length, 1);
      const [stage] = settings.stages;
      assert.deepEqual([stage.name, stage.quorum, stage.timeoutSeconds], [FLAT_STAGE_NAME, 2, 7 * 86400]);
      assert.deepEqual(stage.approvers[0], {
        name: "finance",
        channel: "link",
        mode: "vote",
        address: "finance-lead@example.com",
        email: "finance-lead@example.com",
        options: {},
      });
    });

    it("keeps quorum and timeout, and puts an approver with iamPrincipal on the iam channel", () => {
      const [stage] = parseStackConfig({ approvers: [finance, iamSecurity], quorum: 1, approvalTimeout: "72h" }).stages;
      assert.equal(stage.quorum, 1);
      assert.equal(stage.timeoutSeconds, 72 * 3600);
      assert.deepEqual(stage.approvers[1], {
        name: "security",
        channel: "iam",
        mode: "vote",
        address: SECURITY_ROLE,
        email: "security@example.com",
        options: {},
      });
    });

    it("accepts IAM users, roles with paths and the maximum number of approvers", () => {
      const approvers: Record<string, string>[] = many(MAX_APPROVERS);
      approvers[0] = { ...approvers[0], iamPrincipal: "arn:aws:iam::123456789012:user/alice" };
      approvers[1] = { ...approvers[1], iamPrincipal: "arn:aws:iam::123456789012:role/teams/security/Approver" };
      const [stage] = parseStackConfig({ approvers }).stages;
      assert.equal(stage.approvers.length, MAX_APPROVERS);
      assert.deepEqual(
        stage.approvers.slice(0, 3).map((a) => a.channel),
        ["iam", "iam", "link"],
      );
    });

    it("allows long timeouts when no approver uses the iam channel", () => {
      assert.equal(
        parseStackConfig({ approvers: [finance], approvalTimeout: "60d" }).stages[0].timeoutSeconds,
        60 * 86400,
      );
    });
  });

  describe("stages", () => {
    it("keeps the stages in order, each with its own quorum and timeout, the flat approvalTimeout as their default", () => {
      const settings = parseStackConfig({
        approvalTimeout: "2d",
        stages: [
          { name: "pre-review", approvers: [finance] },
          { name: "owners", quorum: 2, approvalTimeout: "72h", approvers: [finance, security, legal] },
        ],
      });
      assert.equal(settings.flat, false);
      assert.deepEqual(
        settings.stages.map((s) => [s.name, s.quorum, s.timeoutSeconds, s.approvers.map((a) => a.name)]),
        [
          ["pre-review", 1, 2 * 86400, ["finance"]],
          ["owners", 2, 72 * 3600, ["finance", "security", "legal"]],
        ],
      );
    });

    it("defaults each stage's timeout to 7 days and its quorum to every approver of the stage", () => {
      const settings = parseStackConfig({ stages: [{ name: "owners", approvers: [finance, security] }] });
      assert.deepEqual([settings.stages[0].quorum, settings.stages[0].timeoutSeconds], [2, 7 * 86400]);
    });

    it("lets the same approver, with the same settings, decide in several stages", () => {
      const settings = parseStackConfig({
        stages: [
          { name: "first", approvers: [finance, security] },
          { name: "second", approvers: [{ ...finance }] },
        ],
      });
      assert.deepEqual(
        settings.stages.map((s) => s.approvers.map((a) => a.name)),
        [["finance", "security"], ["finance"]],
      );
    });

    it(`accepts ${MAX_APPROVERS} approver entries spread over ${MAX_STAGES} stages`, () => {
      const stages = Array.from({ length: MAX_STAGES }, (_, s) => ({
        name: `stage-${s}`,
        approvers: many(MAX_APPROVERS / MAX_STAGES, `s${s}a`),
      }));
      assert.equal(parseStackConfig({ stages }).stages.length, MAX_STAGES);
    });
  });

  describe("invalid stages name the stage and the entry", () => {
    it("an empty stage", () => {
      assert.deepEqual(
        problemsOf({
          stages: [
            { name: "pre", approvers: [finance] },
            { name: "owners", approvers: [] },
          ],
        }),
        ["parallel-approval:stages[1] (owners).approvers: a stage must list at least one approver"],
      );
    });

    it("no stage at all, or a stage that is not an object", () => {
      assert.deepEqual(problemsOf({ stages: [] }), [
        "parallel-approval:stages: stages must be a list of at least one { name, approvers, quorum?, approvalTimeout? }",
      ]);
      assert.deepEqual(problemsOf({ stages: ["owners"] }), [
        "parallel-approval:stages[0]: a stage must be an object { name, approvers, quorum?, approvalTimeout? }",
      ]);
    });

    it("duplicate stage names, naming the earlier one", () => {
      assert.deepEqual(
        problemsOf({
          stages: [
            { name: "owners", approvers: [finance] },
            { name: "owners", approvers: [security] },
          ],
        }),
        ['parallel-approval:stages[1] (owners).name: stage name "owners" is already used by stages[0]'],
      );
    });

    it("a bad stage name", () => {
      assert.deepEqual(problemsOf({ stages: [{ name: "Pre Review", approvers: [finance] }] }), [
        "parallel-approval:stages[0] (Pre Review).name: stage name must be 1-32 characters of a-z, 0-9 and '-', starting with a letter or digit",
      ]);
    });

    it("duplicate approvers within a stage", () => {
      assert.deepEqual(
        problemsOf({
          stages: [
            { name: "pre", approvers: [finance] },
            { name: "owners", approvers: [security, finance, { ...finance }] },
          ],
        }),
        [
          'parallel-approval:stages[1] (owners).approvers[2] (finance).name: "finance" is already an approver of this stage (approvers[1])',
        ],
      );
    });

    it("a quorum out of range for that stage", () => {
      assert.deepEqual(
        problemsOf({
          stages: [
            { name: "pre", approvers: [finance], quorum: 1 },
            { name: "owners", approvers: [finance, security], quorum: 3 },
            { name: "board", approvers: [legal], quorum: 0 },
          ],
        }),
        [
          "parallel-approval:stages[1] (owners).quorum: quorum 3 is more than the 2 voting approver(s) of this stage",
          "parallel-approval:stages[2] (board).quorum: quorum must be at least 1",
        ],
      );
    });

    it("both stages and the flat approvers or quorum", () => {
      assert.deepEqual(
        problemsOf({ stages: [{ name: "pre", approvers: [finance] }], approvers: [security], quorum: 1 }),
        [
          "parallel-approval:approvers: set either stages or approvers (one stage), not both",
          "parallel-approval:quorum: with stages, quorum goes inside each stage (the flat quorum applies to flat approvers only)",
        ],
      );
    });

    it(`more than ${MAX_APPROVERS} approver entries in all stages, the same person counting once per stage`, () => {
      const stages = [
        { name: "first", approvers: many(25) },
        { name: "second", approvers: many(26) },
      ];
      assert.deepEqual(problemsOf({ stages }), [
        `parallel-approval: ${MAX_APPROVERS + 1} approver entries in all stages; at most ${MAX_APPROVERS} are supported (see README: limits)`,
      ]);
    });

    it(`more than ${MAX_STAGES} stages`, () => {
      const stages = Array.from({ length: MAX_STAGES + 1 }, (_, s) => ({ name: `s${s}`, approvers: [finance] }));
      assert.deepEqual(problemsOf({ stages }), [
        `parallel-approval:stages: at most ${MAX_STAGES} stages are supported`,
      ]);
    });

    it("the same name with other settings in two stages (email or channel)", () => {
      const otherEmail = { name: "finance", email: "someone-else@example.com" };
      const viaIam = { ...finance, iamPrincipal: SECURITY_ROLE };
      for (const changed of [otherEmail, viaIam]) {
        assert.deepEqual(
          problemsOf({
            stages: [
              { name: "pre", approvers: [finance] },
              { name: "owners", approvers: [security, changed] },
            ],
          }),
          [
            'parallel-approval:stages[1] (owners).approvers[1] (finance): "finance" is also an approver of stage "pre" with other settings; one name is one approver, with the same email and channel in every stage',
          ],
        );
      }
    });

    it("one email for two approver names, across stages", () => {
      assert.deepEqual(
        problemsOf({
          stages: [
            { name: "pre", approvers: [finance] },
            { name: "owners", approvers: [{ name: "audit", email: "FINANCE-lead@example.com" }] },
          ],
        }),
        [
          'parallel-approval:stages[1] (owners).approvers[0] (audit).email: email "FINANCE-lead@example.com" is already used by approver "finance"',
        ],
      );
    });

    it("an iam approver in a stage waiting longer than SSM allows, naming that stage", () => {
      assert.deepEqual(
        problemsOf({
          stages: [
            { name: "pre", approvers: [finance], approvalTimeout: "60d" },
            { name: "owners", approvers: [iamSecurity], approvalTimeout: "31d" },
          ],
        }),
        [
          "parallel-approval:stages[1] (owners).approvalTimeout: security decides through the iam channel, whose SSM Automation approvals wait at most 30 days; approvalTimeout is 31d",
        ],
      );
    });

    it("stage timeouts that together outlast a Step Functions execution", () => {
      assert.deepEqual(
        problemsOf({
          stages: [
            { name: "pre", approvers: [finance], approvalTimeout: "200d" },
            { name: "owners", approvers: [security], approvalTimeout: "200d" },
          ],
        }),
        [
          "parallel-approval: the stages' approvalTimeouts add up to 400d; a Step Functions execution lasts at most a year, so they may add up to 364d",
        ],
      );
    });

    it("reports every problem of every stage at once, one line each", () => {
      const problems = problemsOf({
        stages: [
          { name: "Bad Name", approvers: [{ name: "x", email: "nope" }] },
          { name: "owners", approvers: [], quorum: 2 },
        ],
      });
      assert.equal(problems.length, 3, problems.join("\n"));
      assert.ok(problems[0].startsWith("parallel-approval:stages[0] (Bad Name).name"));
      assert.ok(problems[1].startsWith("parallel-approval:stages[0] (Bad Name).approvers[0] (x).email"));
      assert.ok(problems[2].startsWith("parallel-approval:stages[1] (owners).approvers"));
    });
  });

  describe("invalid flat config names the entry and the rule", () => {
    it("rejects an empty or missing approver list", () => {
      assert.deepEqual(problemsOf({ approvers: [] }), [
        "parallel-approval:approvers: a stage must list at least one approver",
      ]);
      assert.deepEqual(problemsOf({}), [
        "parallel-approval: set stages (a list of { name, approvers, ... }) or approvers (one stage)",
      ]);
    });

    it("rejects more approvers than the workflow supports", () => {
      assert.deepEqual(problemsOf({ approvers: many(MAX_APPROVERS + 1) }), [
        `parallel-approval: ${MAX_APPROVERS + 1} approver entries in all stages; at most ${MAX_APPROVERS} are supported (see README: limits)`,
      ]);
    });

    it("rejects duplicate names, naming the later entry and the earlier one", () => {
      assert.deepEqual(problemsOf({ approvers: [finance, { name: "finance", email: "other@example.com" }] }), [
        'parallel-approval:approvers[1] (finance).name: "finance" is already an approver of this stage (approvers[0])',
      ]);
    });

    it("rejects duplicate emails regardless of case", () => {
      assert.deepEqual(problemsOf({ approvers: [finance, { name: "audit", email: "Finance-Lead@example.com" }] }), [
        'parallel-approval:approvers[1] (audit).email: email "Finance-Lead@example.com" is already used by approver "finance"',
      ]);
    });

    it("rejects a bad email", () => {
      assert.deepEqual(problemsOf({ approvers: [{ name: "finance", email: "finance-at-example" }] }), [
        "parallel-approval:approvers[0] (finance).email: email must be a valid email address",
      ]);
    });

    for (const badName of ["Finance", "fin ance", "-finance", "a".repeat(33), ""]) {
      it(`rejects the name ${JSON.stringify(badName)}`, () => {
        const [problem] = problemsOf({ approvers: [{ name: badName, email: "x@example.com" }] });
        assert.match(
          problem,
          /^parallel-approval:approvers\[0\].*\.name: name must be 1-32 characters of a-z, 0-9 and '-', starting with a letter or digit$/,
        );
      });
    }

    it("rejects an unknown approver field, naming the nearest known one, so 'iamPrinciple' does not pass silently", () => {
      const [problem] = problemsOf({ approvers: [{ ...finance, iamPrinciple: SECURITY_ROLE }] });
      assert.ok(
        problem.startsWith(
          'parallel-approval:approvers[0] (finance): unknown field "iamPrinciple" (did you mean "iamPrincipal"?)',
        ),
        problem,
      );
    });

    for (const [quorum, message] of [
      [0, "quorum must be at least 1"],
      [3, "quorum 3 is more than the 2 voting approver(s) of this stage"],
      [1.5, "quorum must be a whole number"],
      ["2", "quorum must be a whole number"],
    ] as const) {
      it(`rejects quorum ${JSON.stringify(quorum)}`, () => {
        assert.deepEqual(problemsOf({ approvers: [finance, security], quorum }), [
          `parallel-approval:quorum: ${message}`,
        ]);
      });
    }

    for (const [timeout, message] of [
      ["3 days", 'approvalTimeout "3 days" is not a duration such as 90m, 72h, 7d or 1d12h'],
      ["72", 'approvalTimeout "72" is not a duration such as 90m, 72h, 7d or 1d12h'],
      ["30s", 'approvalTimeout "30s" is shorter than the minimum of 1m'],
      ["400d", 'approvalTimeout "400d" is longer than 364d (a Step Functions execution lasts at most a year)'],
    ] as const) {
      it(`rejects approvalTimeout ${JSON.stringify(timeout)}`, () => {
        assert.deepEqual(problemsOf({ approvers: [finance], approvalTimeout: timeout }), [
          `parallel-approval:approvalTimeout: ${message}`,
        ]);
      });
    }

    it("rejects a timeout over the SSM channel's 30-day limit, naming the iam approver", () => {
      assert.deepEqual(problemsOf({ approvers: [finance, iamSecurity], approvalTimeout: "31d" }), [
        "parallel-approval:approvalTimeout: security decides through the iam channel, whose SSM Automation approvals wait at most 30 days; approvalTimeout is 31d",
      ]);
    });

    for (const arn of [
      "arn:aws:iam::123456789012:role/*",
      "arn:aws:iam::12345:role/Approver",
      "arn:aws:iam::123456789012:group/Approvers",
      "arn:aws:s3:::bucket",
      "SecurityApprover",
    ]) {
      it(`rejects the malformed IAM principal ${arn}`, () => {
        assert.deepEqual(problemsOf({ approvers: [{ ...security, iamPrincipal: arn }] }), [
          "parallel-approval:approvers[0] (security).iamPrincipal: iamPrincipal must be the ARN of an IAM user or role, e.g. arn:aws:iam::123456789012:role/Approver",
        ]);
      });
    }

    it("reports every problem at once, one line each", () => {
      const problems = problemsOf({ approvers: [{ name: "Bad", email: "nope" }, security], quorum: 0 });
      assert.equal(problems.length, 2, problems.join("\n"));
      const withQuorum = problemsOf({ approvers: [finance, security], quorum: 0, quorom: 1 });
      assert.equal(withQuorum.length, 2, withQuorum.join("\n"));
    });
  });

  describe("misspelt keys fail, naming the key and the nearest known one", () => {
    for (const [key, value, nearest] of [
      ["quorom", 1, "quorum"],
      ["approvaltimeout", "1h", "approvalTimeout"],
      ["approver", [finance], "approvers"],
      ["stage", [], "stages"],
    ] as const) {
      it(`parallel-approval:${key} → "${nearest}"`, () => {
        assert.deepEqual(problemsOf({ approvers: [finance], [key]: value }), [
          `parallel-approval:${key}: unknown setting "${key}" (did you mean "${nearest}"?); the settings are ${WORKFLOW_CONFIG_KEYS.join(", ")}`,
        ]);
      });
    }

    it("a misspelt stage field names the stage and the nearest field", () => {
      assert.deepEqual(problemsOf({ stages: [{ name: "pre", approvers: [finance], quroum: 1 }] }), [
        'parallel-approval:stages[0] (pre): unknown stage field "quroum" (did you mean "quorum"?); the stage fields are name, approvers, quorum, approvalTimeout, remindEvery',
      ]);
    });

    it("a key far from every known one gets no suggestion", () => {
      assert.equal(nearestKey("region", WORKFLOW_CONFIG_KEYS), undefined);
      const [problem] = problemsOf({ approvers: [finance], region: "eu-west-1" });
      assert.equal(
        problem,
        `parallel-approval:region: unknown setting "region"; the settings are ${WORKFLOW_CONFIG_KEYS.join(", ")}`,
      );
    });
  });

  describe("readStackConfig: the config of a running stack", () => {
    /** What the Pulumi CLI passes: every value a string, Pulumi.yaml's declared defaults included. */
    const cliConfig = (values: Record<string, string>) => ({
      "aws:region": "eu-west-1",
      "parallel-approval:stages": "[]",
      "parallel-approval:approvers": "[]",
      "parallel-approval:quorum": "0",
      "parallel-approval:approvalTimeout": "7d",
      ...values,
    });

    it("reads a flat stack with Pulumi.yaml's unset defaults dropped", () => {
      const args = readStackConfig(cliConfig({ "parallel-approval:approvers": JSON.stringify([finance, security]) }));
      assert.deepEqual(args, { approvers: [finance, security], approvalTimeout: "7d" });
      assert.equal(parseStackConfig(args as Record<string, unknown>).stages[0].quorum, 2);
    });

    it("reads quorum 2 from the string the CLI passes (set by pulumi config set), and refuses a quorum that is no number", () => {
      const args = readStackConfig(
        cliConfig({
          "parallel-approval:approvers": JSON.stringify([finance, security]),
          "parallel-approval:quorum": "2",
        }),
      );
      assert.deepEqual(args, { approvers: [finance, security], quorum: 2, approvalTimeout: "7d" });
      assert.throws(
        () =>
          readStackConfig(
            cliConfig({ "parallel-approval:approvers": JSON.stringify([finance]), "parallel-approval:quorum": "two" }),
          ),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.problems.some((p) => p === "parallel-approval:quorum: quorum must be a whole number"),
      );
    });

    it("reads a staged stack", () => {
      const stages = [{ name: "owners", approvers: [finance], quorum: 1 }];
      assert.deepEqual(readStackConfig(cliConfig({ "parallel-approval:stages": JSON.stringify(stages) })), {
        stages,
        approvalTimeout: "7d",
      });
    });

    for (const [key, value, nearest] of [
      ["quorom", "1", "quorum"],
      ["approvaltimeout", "1h", "approvalTimeout"],
    ] as const) {
      it(`fails for parallel-approval:${key}, naming it and "${nearest}"`, () => {
        const config = cliConfig({
          "parallel-approval:approvers": JSON.stringify([finance]),
          [`parallel-approval:${key}`]: value,
        });
        assert.throws(
          () => readStackConfig(config),
          (error: unknown) => {
            assert.ok(error instanceof ConfigError);
            assert.deepEqual(error.problems, [
              `parallel-approval:${key}: unknown setting "${key}" (did you mean "${nearest}"?); the settings are ${WORKFLOW_CONFIG_KEYS.join(", ")}`,
            ]);
            return true;
          },
        );
      });
    }

    it("ignores other namespaces' keys", () => {
      assert.doesNotThrow(() =>
        readStackConfig(
          cliConfig({
            "parallel-approval:approvers": JSON.stringify([finance]),
            "aws:profile": "dev",
            "other:quorom": "1",
          }),
        ),
      );
    });
  });

  describe("durations", () => {
    it("adds up compound durations", () => {
      assert.equal(parseDuration("1d12h"), 36 * 3600);
      assert.equal(parseDuration("90m"), 5400);
    });
    it("returns undefined for text that is not a duration", () => {
      assert.equal(parseDuration("1.5d"), undefined);
      assert.equal(parseDuration("d"), undefined);
      assert.equal(parseDuration(""), undefined);
    });
    it("formats seconds in the largest whole unit", () => {
      assert.deepEqual([259200, 5400, 90, 7200].map(formatDuration), ["3d", "90m", "90s", "2h"]);
    });
  });
});
