import { strict as assert } from "node:assert";
import { ConfigError, MAX_APPROVERS, parseDuration, parseWorkflowConfig } from "../components/config";

const finance = { name: "finance", email: "finance-lead@example.com" };
const security = { name: "security", email: "security@example.com" };
const iamSecurity = { ...security, iamPrincipal: "arn:aws:iam::123456789012:role/SecurityApprover" };

/** The single problem line of a ConfigError, so each test asserts the exact entry and rule. */
function problemsOf(raw: unknown): string[] {
  try {
    parseWorkflowConfig(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

describe("stack config validation", () => {
  describe("valid config", () => {
    it("applies the defaults: every approver must approve, 7 days each, link channel", () => {
      const settings = parseWorkflowConfig({ approvers: [finance, security] });
      assert.equal(settings.quorum, 2);
      assert.equal(settings.approvalTimeoutSeconds, 7 * 86400);
      assert.deepEqual(
        settings.approvers.map((a) => a.channel),
        ["link", "link"],
      );
    });

    it("keeps quorum and timeout, and puts approvers with iamPrincipal on the iam channel", () => {
      const settings = parseWorkflowConfig({ approvers: [finance, iamSecurity], quorum: 1, approvalTimeout: "72h" });
      assert.equal(settings.quorum, 1);
      assert.equal(settings.approvalTimeoutSeconds, 72 * 3600);
      assert.deepEqual(settings.approvers[1], { ...iamSecurity, channel: "iam" });
    });

    it("accepts IAM users, roles with paths and the maximum number of approvers", () => {
      const approvers = Array.from({ length: MAX_APPROVERS }, (_, i) => ({
        name: `a${i}`,
        email: `a${i}@example.com`,
      }));
      approvers[0] = { ...approvers[0], iamPrincipal: "arn:aws:iam::123456789012:user/alice" } as never;
      approvers[1] = {
        ...approvers[1],
        iamPrincipal: "arn:aws:iam::123456789012:role/teams/security/Approver",
      } as never;
      assert.equal(parseWorkflowConfig({ approvers }).approvers.length, MAX_APPROVERS);
    });
  });

  describe("invalid config names the entry and the rule", () => {
    it("rejects an empty approver list", () => {
      assert.deepEqual(problemsOf({ approvers: [] }), [
        "parallel-approval:approvers: approvers must list at least one approver",
      ]);
    });

    it("rejects a missing approver list", () => {
      assert.deepEqual(problemsOf({}), [
        "parallel-approval:approvers: approvers must be a list of { name, email, iamPrincipal? }",
      ]);
    });

    it("rejects more approvers than the workflow supports", () => {
      const approvers = Array.from({ length: MAX_APPROVERS + 1 }, (_, i) => ({
        name: `a${i}`,
        email: `a${i}@example.com`,
      }));
      assert.deepEqual(problemsOf({ approvers }), [
        `parallel-approval:approvers: approvers lists more than ${MAX_APPROVERS} approvers, the most this workflow supports`,
      ]);
    });

    it("rejects duplicate names, naming the later entry and the earlier one", () => {
      assert.deepEqual(problemsOf({ approvers: [finance, { name: "finance", email: "other@example.com" }] }), [
        'parallel-approval:approvers[1] (finance).name: name "finance" is already used by approvers[0]',
      ]);
    });

    it("rejects duplicate emails regardless of case", () => {
      assert.deepEqual(problemsOf({ approvers: [finance, { name: "audit", email: "Finance-Lead@example.com" }] }), [
        'parallel-approval:approvers[1] (audit).email: email "Finance-Lead@example.com" is already used by approvers[0]',
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
          /^parallel-approval:approvers\[0\].*\.name: name must be 1-32 characters of a-z, 0-9 and '-'/,
        );
      });
    }

    it("rejects an unknown approver field, so typos like 'iamPrinciple' do not pass silently", () => {
      assert.deepEqual(problemsOf({ approvers: [{ ...finance, iamPrinciple: "arn:aws:iam::123456789012:role/X" }] }), [
        'parallel-approval:approvers[0] (finance): unknown field(s) "iamPrinciple"; an approver has name, email and optionally iamPrincipal',
      ]);
    });

    for (const [quorum, message] of [
      [0, "quorum must be at least 1"],
      [3, "quorum 3 is more than the 2 approver(s) listed"],
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
        "parallel-approval:approvers[1] (security).iamPrincipal: approvers with iamPrincipal decide through SSM Automation, whose approvals last at most 30d; approvalTimeout is 31d",
      ]);
    });

    it("allows long timeouts when no approver uses the iam channel", () => {
      assert.equal(
        parseWorkflowConfig({ approvers: [finance], approvalTimeout: "60d" }).approvalTimeoutSeconds,
        60 * 86400,
      );
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
      assert.equal(problems.length, 3);
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
    });
  });
});
