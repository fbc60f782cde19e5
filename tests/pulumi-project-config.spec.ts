/**
 * Pulumi.yaml against the Pulumi CLI's own config rules, which run before the program does
 * (devkit/pulumi-cli-config.ts, from pulumi/pulumi sdk/go/common/workspace/config.go):
 *  - a project key declared without `default` (or `value`) is required, whatever its `type`:
 *    "Stack 'dev' is missing configuration value 'parallel-approval:quorum'";
 *  - a stack value must have the declared type ("... must be of type 'integer'"), where a top-level
 *    value is held as a string ("2" is an integer, as `pulumi config set` writes it); an array needs `items`;
 *  - a declared default reaches the program as if the stack had set it.
 * https://www.pulumi.com/docs/iac/concepts/projects/project-file/
 * So every optional key needs a default, and the program must read each such default as "not
 * set" or as its own documented default: otherwise the CLI either refuses a valid stack before
 * the program runs, or hands the program a value the user never wrote.
 */
import { strict as assert } from "node:assert";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseStackConfig } from "../channels/registry";
import { CONFIG_NAMESPACE, UNSET_BY_DEFAULT, WORKFLOW_CONFIG_KEYS, withoutUnsetDefaults } from "../core/config";
import { DEFAULT_APPROVAL_TIMEOUT } from "../core/limits";
import { DEFAULT_SELF_APPROVAL } from "../core/sign-in-config";
import { readStackConfig } from "../components/stack-config";
import { evaluateProgram } from "../devkit/program-under-mocks";
import {
  asProgramConfig,
  cliConfigProblems,
  readCliStackFile,
  readProjectFile,
  readStackFile,
  validateConfigValue,
  withProjectDefaults,
  PROJECT_DIR,
  type ProjectFile,
} from "../devkit/pulumi-cli-config";
import { stackSettingsFromYaml } from "../local/stack-config";

const project = readProjectFile();
const key = (name: string) => `${CONFIG_NAMESPACE}:${name}`;

/** The smallest stacks the README shows: approvers only, or stages only (plus the region). */
const APPROVERS_ONLY: Record<string, unknown> = {
  "aws:region": "eu-west-1",
  [key("approvers")]: [{ name: "finance", email: "finance-lead@example.com" }],
};
const STAGES_ONLY: Record<string, unknown> = {
  "aws:region": "eu-west-1",
  [key("stages")]: [
    {
      name: "pre-review",
      approvers: [
        {
          name: "security",
          email: "security@example.com",
          iamPrincipal: "arn:aws:iam::123456789012:role/SecurityApprover",
        },
      ],
    },
    { name: "owners", approvalTimeout: "72h", approvers: [{ name: "finance", email: "finance-lead@example.com" }] },
  ],
};

const STACKS: Array<[string, () => Record<string, unknown>]> = [
  ["Pulumi.dev.yaml", () => readStackFile("dev")],
  ["a stack with only approvers", () => APPROVERS_ONLY],
  ["a stack with only stages", () => STAGES_ONLY],
];

/** The settings the program builds from what the CLI passes it (values as strings, defaults applied). */
const settingsThroughTheCli = (stack: Record<string, unknown>) =>
  parseStackConfig(
    readStackConfig(asProgramConfig(withProjectDefaults(project, stack))) as unknown as Record<string, unknown>,
  );

/** The settings of the stack's own keys, as if no default existed. */
function settingsOfTheStackAlone(stack: Record<string, unknown>) {
  const own = Object.fromEntries(
    Object.entries(stack)
      .filter(([name]) => name.startsWith(`${CONFIG_NAMESPACE}:`))
      .map(([name, value]) => [name.slice(CONFIG_NAMESPACE.length + 1), value]),
  );
  return parseStackConfig(own);
}

/** What makes a declaration unfit for an optional key; empty when fit. */
function declarationProblems(file: ProjectFile): string[] {
  const problems: string[] = [];
  for (const [name, declaration] of Object.entries(file.config)) {
    if (!name.startsWith(`${file.name}:`)) problems.push(`${name} is not the project's`);
    if (declaration.type === undefined) problems.push(`${name} has no type`);
    if (declaration.type === "array" && declaration.items === undefined) problems.push(`${name} has no items`);
    if (!declaration.description) problems.push(`${name} has no description`);
    if (declaration.default === undefined) problems.push(`${name} has no default, so the CLI requires it`);
  }
  return problems;
}

/** Defaults the program would take as a real setting; empty when each is "not set" or the documented default. */
function defaultProblems(file: ProjectFile): string[] {
  const documented: Record<string, unknown> = {
    approvalTimeout: DEFAULT_APPROVAL_TIMEOUT,
    selfApproval: DEFAULT_SELF_APPROVAL,
  };
  return Object.entries(file.config)
    .filter(([name, declaration]) => {
      const short = name.slice(CONFIG_NAMESPACE.length + 1);
      const readAsUnset =
        short in UNSET_BY_DEFAULT && Object.keys(withoutUnsetDefaults({ [short]: declaration.default })).length === 0;
      return !readAsUnset && declaration.default !== documented[short];
    })
    .map(([name, declaration]) => `${name}: default ${JSON.stringify(declaration.default)}`);
}

function withDeclaration(name: string, change: (declaration: Record<string, unknown>) => void): ProjectFile {
  const copy = structuredClone(project);
  change(copy.config[key(name)] as Record<string, unknown>);
  return copy;
}

describe("Pulumi.yaml under the Pulumi CLI's config rules", () => {
  for (const [label, stack] of STACKS) {
    it(`the CLI accepts ${label}: no missing required key, every value of its declared type`, () => {
      assert.deepEqual(cliConfigProblems(project, "dev", stack()), []);
    });

    it(`the program builds from ${label} as the CLI passes it, exactly as from the stack's own keys`, async () => {
      assert.deepEqual(settingsThroughTheCli(stack()), settingsOfTheStackAlone(stack()));
      const config = Object.fromEntries(
        Object.entries(stack())
          .filter(([name]) => name.startsWith(`${CONFIG_NAMESPACE}:`))
          .map(([name, value]) => [name.slice(CONFIG_NAMESPACE.length + 1), value]),
      );
      const run = await evaluateProgram(config, { projectDefaults: true });
      assert.equal(run.error, undefined, String(run.error));
      assert.ok(run.resources.some((r) => r.type === "aws:sfn/stateMachine:StateMachine"));
    });
  }

  it("declares every key the program reads, and no key the program does not read", () => {
    // A declared key the program did not know would reach it as a default and be refused as unknown.
    const declared = Object.keys(project.config)
      .filter((name) => name.startsWith(`${CONFIG_NAMESPACE}:`))
      .map((name) => name.slice(CONFIG_NAMESPACE.length + 1))
      .sort();
    assert.deepEqual(declared, [...WORKFLOW_CONFIG_KEYS].sort());
  });

  it("declares every key under the project's namespace, with a type, array items, a description and a default", () => {
    assert.deepEqual(declarationProblems(project), []);
  });

  it("every default is either what the program reads as not set, or the program's own documented default", () => {
    assert.deepEqual(defaultProblems(project), []);
  });

  it("the defaults match their declared types (the CLI checks a default like a value)", () => {
    const defaults = Object.fromEntries(
      Object.entries(project.config).map(([name, declaration]) => [name, declaration.default]),
    );
    assert.deepEqual(cliConfigProblems(project, "dev", defaults), []);
  });

  describe("the checks catch the regressions they exist for", () => {
    it("a declared key without a default is required: the minimal stack would be refused before the program runs", () => {
      const regressed = withDeclaration("quorum", (declaration) => delete declaration.default);
      assert.deepEqual(declarationProblems(regressed), [
        "parallel-approval:quorum has no default, so the CLI requires it",
      ]);
      assert.deepEqual(cliConfigProblems(regressed, "dev", APPROVERS_ONLY), [
        "Stack 'dev' is missing configuration value 'parallel-approval:quorum'",
      ]);
      const twoRegressed = withDeclaration("approvers", (declaration) => delete declaration.default);
      delete twoRegressed.config[key("quorum")].default;
      assert.deepEqual(cliConfigProblems(twoRegressed, "dev", STAGES_ONLY), [
        "Stack 'dev' is missing configuration values 'parallel-approval:approvers' and 'parallel-approval:quorum'",
      ]);
    });

    it("a value of another type than declared is refused, an array named by its items as the CLI prints it", () => {
      for (const quorum of ["two", "2.5", 2.5, "0x10", ""]) {
        assert.deepEqual(
          cliConfigProblems(project, "dev", { ...APPROVERS_ONLY, [key("quorum")]: quorum }),
          ["Stack 'dev' with configuration key 'parallel-approval:quorum' must be of type 'integer'"],
          JSON.stringify(quorum),
        );
      }
      assert.deepEqual(cliConfigProblems(project, "dev", { ...APPROVERS_ONLY, [key("approvers")]: ["finance"] }), [
        "Stack 'dev' with configuration key 'parallel-approval:approvers' must be of type 'array<object>'",
      ]);
      assert.deepEqual(cliConfigProblems(project, "dev", { ...APPROVERS_ONLY, [key("signIn")]: "yes" }), [
        "Stack 'dev' with configuration key 'parallel-approval:signIn' must be of type 'object'",
      ]);
    });

    it("an array without items is refused", () => {
      const regressed = withDeclaration("stages", (declaration) => delete declaration.items);
      assert.deepEqual(declarationProblems(regressed), ["parallel-approval:stages has no items"]);
      assert.deepEqual(cliConfigProblems(regressed, "dev", APPROVERS_ONLY), [
        "The configuration key 'parallel-approval:stages' declares an array but does not specify the underlying type via the 'items' attribute",
      ]);
    });

    it("a default the program would take as a real setting is caught, and would change what the program builds", () => {
      const regressed = withDeclaration("quorum", (declaration) => (declaration.default = 1));
      assert.deepEqual(defaultProblems(regressed), ["parallel-approval:quorum: default 1"]);
      const twoApprovers = {
        ...APPROVERS_ONLY,
        [key("approvers")]: [
          { name: "finance", email: "finance-lead@example.com" },
          { name: "security", email: "security@example.com" },
        ],
      };
      const throughCli = parseStackConfig(
        readStackConfig(asProgramConfig(withProjectDefaults(regressed, twoApprovers))) as unknown as Record<
          string,
          unknown
        >,
      );
      assert.equal(throughCli.stages[0].quorum, 1, "every approver was meant; the default made it 1");
      assert.equal(
        settingsThroughTheCli(twoApprovers).stages[0].quorum,
        2,
        "with the real Pulumi.yaml: every approver",
      );
    });
  });
});

describe("a top-level value as `pulumi config set` writes it (a string)", () => {
  const QUOTED = [
    "config:",
    "  aws:region: eu-west-1",
    "  parallel-approval:approvers:",
    "    - name: finance",
    "      email: finance-lead@example.com",
    "    - name: security",
    "      email: security@example.com",
    "    - name: platform",
    "      email: platform-oncall@example.com",
  ].join("\n");
  const withQuorum = (quorum: string) => `${QUOTED}\n  parallel-approval:quorum: ${quorum}\n`;

  it("the CLI's type rules take what ValidateConfigValue takes: integers as text, whole numbers, true/false as text", () => {
    for (const value of ["2", "+2", "-1", 2, 2.0])
      assert.ok(validateConfigValue("integer", undefined, value), String(value));
    for (const value of ["two", "2.5", "2.0", "0x10", "", 2.5, true]) {
      assert.ok(!validateConfigValue("integer", undefined, value), JSON.stringify(value));
    }
    for (const value of ["true", "false", true, false]) assert.ok(validateConfigValue("boolean", undefined, value));
    for (const value of ["yes", "True", 1]) assert.ok(!validateConfigValue("boolean", undefined, value), String(value));
    assert.ok(validateConfigValue("array", { type: "object" }, [{}]));
    assert.ok(!validateConfigValue("array", { type: "object" }, ["finance"]));
    assert.ok(!validateConfigValue("array", undefined, []), "an array without items is never valid");
  });

  it('parallel-approval:quorum: "2" is accepted by the CLI rules, the program under mocks and the sandbox, exactly like 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), "quoted-quorum-"));
    try {
      copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
      writeFileSync(join(dir, "Pulumi.quoted.yaml"), withQuorum('"2"'));
      writeFileSync(join(dir, "Pulumi.plain.yaml"), withQuorum("2"));
      const quoted = readCliStackFile("quoted", dir);
      const plain = readCliStackFile("plain", dir);
      assert.equal(quoted[key("quorum")], "2", "the CLI holds both as the string 2");
      assert.deepEqual(quoted, plain);
      assert.deepEqual(cliConfigProblems(project, "quoted", quoted), []);

      // The program, given the config as the language host passes it.
      const throughCli = settingsThroughTheCli(quoted);
      assert.equal(throughCli.stages[0].quorum, 2);
      assert.deepEqual(throughCli, settingsThroughTheCli(plain));
      const run = await evaluateProgram(
        { approvers: quoted[key("approvers")], quorum: "2" },
        { projectDefaults: true },
      );
      assert.equal(run.error, undefined, String(run.error));
      const stateMachineDefinitions = (r: typeof run) =>
        r.resources
          .filter((res) => res.type === "aws:sfn/stateMachine:StateMachine")
          .map((res) => res.inputs.definition);
      const runPlain = await evaluateProgram(
        { approvers: quoted[key("approvers")], quorum: 2 },
        { projectDefaults: true },
      );
      assert.equal(stateMachineDefinitions(run).length, 1);
      assert.deepEqual(
        stateMachineDefinitions(run),
        stateMachineDefinitions(runPlain),
        "the same state machine as with quorum: 2",
      );

      // The sandbox's reader.
      const sandboxQuoted = stackSettingsFromYaml(withQuorum('"2"'), "quoted", "Pulumi.quoted.yaml", dir);
      const sandboxPlain = stackSettingsFromYaml(withQuorum("2"), "plain", "Pulumi.plain.yaml", dir);
      assert.equal(sandboxQuoted.settings.stages[0].quorum, 2);
      assert.deepEqual(sandboxQuoted.settings, sandboxPlain.settings);
      assert.deepEqual(sandboxQuoted.settings, throughCli);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a value the CLI refuses is refused by the sandbox in the CLI's words: quorum: 2.0 is the text 2.0, not an integer", () => {
    assert.throws(
      () => stackSettingsFromYaml(withQuorum("2.0"), "x"),
      /Stack 'x' with configuration key 'parallel-approval:quorum' must be of type 'integer'/,
    );
  });
});
