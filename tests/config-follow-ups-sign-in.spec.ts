/**
 * Stack config of sign-in, self-approval, reminders and backups (core/sign-in-config.ts,
 * core/follow-up-config.ts through core/config.ts): the settings they give, and bad entries
 * refused before any resource exists, each line naming the entry.
 */
import { strict as assert } from "node:assert";
import { parseStackConfig } from "../channels/registry";
import { ConfigError } from "../core/config";
import { evaluateProgram } from "../devkit/program-under-mocks";

const finance = { name: "finance", email: "finance-lead@example.com" };
const security = { name: "security", email: "security@example.com" };
const deputy = { name: "deputy", email: "deputy@example.com" };
const signIn = {
  issuer: "https://accounts.google.com",
  clientId: "123.apps.googleusercontent.com",
  clientSecretParameter: "/approvals/oidc-client-secret",
};

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

describe("config: sign-in, self-approval, reminders and backups", () => {
  it("gives the settings: reminders per stage, a backup with its escalation, sign-in, self-approval", () => {
    const settings = parseStackConfig({
      stages: [
        {
          name: "owners",
          approvalTimeout: "72h",
          remindEvery: "24h",
          approvers: [{ ...finance, backup: deputy, escalateAfter: "48h" }, security],
        },
      ],
      selfApproval: "allow",
      signIn,
    });
    const [stage] = settings.stages;
    assert.equal(stage.remindEverySeconds, 86400);
    assert.deepEqual(stage.approvers[0].backup, { ...deputy, escalateAfterSeconds: 48 * 3600 });
    assert.equal(stage.approvers[1].backup, undefined);
    assert.equal(settings.selfApproval, "allow");
    assert.deepEqual(settings.signIn, signIn);
  });

  it("defaults: self-approval denied, no sign-in, no reminders; the flat remindEvery is every stage's default", () => {
    const flat = parseStackConfig({ approvers: [finance] });
    assert.equal(flat.selfApproval, "deny");
    assert.equal(flat.signIn, undefined);
    assert.equal(flat.stages[0].remindEverySeconds, undefined);
    const staged = parseStackConfig({
      remindEvery: "12h",
      stages: [
        { name: "a", approvers: [finance] },
        { name: "b", remindEvery: "1d", approvers: [security] },
      ],
    });
    assert.deepEqual(
      staged.stages.map((s) => s.remindEverySeconds),
      [12 * 3600, 86400],
    );
    assert.equal(parseStackConfig({ approvers: [finance], remindEvery: "6h" }).stages[0].remindEverySeconds, 6 * 3600);
  });

  it("refuses an issuer that is not https and a missing client id, naming the field", () => {
    assert.deepEqual(problemsOf({ approvers: [finance], signIn: { ...signIn, issuer: "http://id.example.com" } }), [
      'parallel-approval:signIn.issuer: issuer "http://id.example.com" must be an https URL (OpenID Connect requires it)',
    ]);
    const { clientId: _clientId, ...noClient } = signIn;
    assert.deepEqual(problemsOf({ approvers: [finance], signIn: noClient }), [
      "parallel-approval:signIn.clientId: clientId is required: the client id the OpenID Provider gave this approval page",
    ]);
    assert.deepEqual(problemsOf({ approvers: [finance], signIn: { ...signIn, clientId: "", issuer: "not a url" } }), [
      'parallel-approval:signIn.issuer: issuer "not a url" is not a URL',
      "parallel-approval:signIn.clientId: clientId is required: the client id the OpenID Provider gave this approval page",
    ]);
    assert.deepEqual(problemsOf({ approvers: [finance], signIn: { ...signIn, clientSecretParameter: "a b" } }), [
      "parallel-approval:signIn.clientSecretParameter: clientSecretParameter must be an SSM parameter name (such as /approvals/oidc-client-secret) or its ARN",
    ]);
    assert.deepEqual(problemsOf({ approvers: [finance], signIn: { ...signIn, audience: "x" } }), [
      "parallel-approval:signIn: unknown field(s) audience; signIn is { issuer, clientId, clientSecretParameter }",
    ]);
  });

  it("accepts a client secret parameter given by ARN", () => {
    const arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/approvals/oidc-client-secret";
    assert.equal(
      parseStackConfig({ approvers: [finance], signIn: { ...signIn, clientSecretParameter: arn } }).signIn
        ?.clientSecretParameter,
      arn,
    );
  });

  it("refuses a selfApproval other than deny or allow", () => {
    assert.deepEqual(problemsOf({ approvers: [finance], selfApproval: "sometimes" }), [
      'parallel-approval:selfApproval: selfApproval must be "deny" (the default: requesters are not asked) or "allow"',
    ]);
  });

  it("refuses a reminder interval as long as the deadline or longer, naming the stage", () => {
    assert.deepEqual(
      problemsOf({ stages: [{ name: "owners", approvalTimeout: "72h", remindEvery: "3d", approvers: [finance] }] }),
      [
        'parallel-approval:stages[0] (owners).remindEvery: remindEvery "3d" is not shorter than the approvalTimeout of 3d, so it would never happen before the deadline',
      ],
    );
    assert.deepEqual(problemsOf({ approvers: [finance], remindEvery: "soon" }), [
      'parallel-approval:remindEvery: remindEvery "soon" is not a duration such as 90m, 24h or 2d',
    ]);
  });

  it("refuses a backup equal to the approver (same name or same email, whatever the case)", () => {
    assert.deepEqual(
      problemsOf({
        approvers: [
          { ...finance, backup: { name: "finance", email: "other@example.com" }, escalateAfter: "1d" },
          { ...security, backup: { name: "sec2", email: "SECURITY@example.com" }, escalateAfter: "1d" },
        ],
      }),
      [
        "parallel-approval:approvers[0] (finance).backup: the backup is the approver themselves (same name); a backup must be another person",
        "parallel-approval:approvers[1] (security).backup: the backup is the approver themselves (same email); a backup must be another person",
      ],
    );
  });

  it("refuses an escalation that is not before the deadline, or missing, and escalateAfter without a backup", () => {
    assert.deepEqual(
      problemsOf({
        approvalTimeout: "2d",
        approvers: [
          { ...finance, backup: deputy, escalateAfter: "2d" },
          { ...security, backup: { name: "sec2", email: "sec2@example.com" } },
          { name: "legal", email: "legal@example.com", escalateAfter: "1d" },
        ],
      }),
      [
        'parallel-approval:approvers[0] (finance).escalateAfter: escalateAfter "2d" is not shorter than the approvalTimeout of 2d, so it would never happen before the deadline',
        "parallel-approval:approvers[1] (security).escalateAfter: a backup needs escalateAfter: how long the approver has alone, e.g. 48h",
        "parallel-approval:approvers[2] (legal).escalateAfter: escalateAfter needs a backup to escalate to",
      ],
    );
  });

  it("refuses a backup for an approver who decides in the AWS console, and a malformed backup", () => {
    assert.deepEqual(
      problemsOf({
        approvers: [
          {
            ...security,
            iamPrincipal: "arn:aws:iam::123456789012:role/SecurityApprover",
            backup: deputy,
            escalateAfter: "1d",
          },
          { ...finance, backup: { name: "Deputy!", email: "nope" }, escalateAfter: "1d" },
        ],
      }),
      [
        "parallel-approval:approvers[0] (security).backup: security decides through the iam channel, which cannot ask a backup; backups are for approvers who decide through a link",
        "parallel-approval:approvers[1] (finance).backup: backup.name must be 1-32 characters of a-z, 0-9 and '-', starting with a letter or digit",
        "parallel-approval:approvers[1] (finance).backup: backup.email must be a valid email address",
      ],
    );
  });

  it("a backup is one person: their name and email agree with every other appearance", () => {
    assert.deepEqual(
      problemsOf({
        approvers: [
          { ...finance, backup: { name: "security", email: "someone@example.com" }, escalateAfter: "1d" },
          security,
          {
            name: "legal",
            email: "legal@example.com",
            backup: { name: "lawyer", email: "finance-lead@example.com" },
            escalateAfter: "1d",
          },
        ],
      }),
      [
        'parallel-approval:approvers[0] (finance).backup: "security" is also an approver, with email "security@example.com"; one name is one person',
        'parallel-approval:approvers[2] (legal).backup: email "finance-lead@example.com" is already used by "finance"',
      ],
    );
    // The same person as an approver of another stage and as a backup is fine.
    assert.doesNotThrow(() =>
      parseStackConfig({
        stages: [
          { name: "a", approvers: [{ ...finance, backup: security, escalateAfter: "1d" }] },
          { name: "b", approvers: [security] },
        ],
      }),
    );
  });

  it("bad sign-in or follow-up config fails the program before any resource exists", async () => {
    const run = await evaluateProgram({
      approvers: [{ ...finance, backup: finance, escalateAfter: "1d" }],
      signIn: { ...signIn, issuer: "http://id.example.com" },
    });
    assert.ok(run.error instanceof Error && /signIn\.issuer/.test(run.error.message), String(run.error));
    assert.match(String(run.error), /approvers\[0\] \(finance\)\.backup/);
    assert.equal(run.resources.length, 0);
  });
});

describe("backups count toward the approver limit", () => {
  it("refuses more people with an email topic (approvers and their backups) than the notify role can list", () => {
    const approvers = Array.from({ length: 30 }, (_, i) => ({
      name: `approver-${i}`,
      email: `approver-${i}@example.com`,
      backup: { name: `backup-${i}`, email: `backup-${i}@example.com` },
      escalateAfter: "1d",
    }));
    assert.throws(
      () => parseStackConfig({ approvers, approvalTimeout: "3d" }),
      /60 people with an email topic \(approvers and backups\); at most 50/,
    );
    assert.doesNotThrow(() => parseStackConfig({ approvers: approvers.slice(0, 25), approvalTimeout: "3d" }));
  });

  it("names both limits when the entries are too many and their backups add more people still", () => {
    const approvers = Array.from({ length: 51 }, (_, i) => ({
      name: `approver-${i}`,
      email: `approver-${i}@example.com`,
      backup: { name: `backup-${i}`, email: `backup-${i}@example.com` },
      escalateAfter: "1d",
    }));
    assert.throws(
      () => parseStackConfig({ approvers, approvalTimeout: "3d" }),
      (error: Error) =>
        /51 approver entries in all stages/.test(error.message) && /102 people with an email topic/.test(error.message),
    );
  });
});
