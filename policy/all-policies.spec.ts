import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { allPolicies } from "./all-policies";
import { appliesOnlyTo } from "./lib/validate";
import { compliantStatements, role, rolePolicy } from "./testing/fixtures";
import { analyze, violationsOfAll } from "./testing/harness";

const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"];
const JSON_TYPES: Record<string, (value: unknown) => boolean> = {
  boolean: (value) => typeof value === "boolean",
  integer: (value) => Number.isInteger(value),
  string: (value) => typeof value === "string",
  array: (value) => Array.isArray(value),
};

describe("policy/all-policies: the pack's list of policies", () => {
  it("holds every policy exported from policy/policies/, each in a file named after it", () => {
    const files = readdirSync(path.join(__dirname, "policies")).filter(
      (f) => f.endsWith(".ts") && !f.endsWith(".spec.ts"),
    );
    assert.equal(files.length, allPolicies.length);
    for (const file of files) {
      const exported = Object.values(require(path.join(__dirname, "policies", file)) as Record<string, unknown>);
      const policy = allPolicies.find((p) => exported.includes(p));
      assert.ok(policy, `${file} exports a policy of the pack`);
      assert.equal(`${policy.name}.ts`, file);
    }
  });

  it("every policy has a unique name, a description and the default enforcement level mandatory", () => {
    const names = allPolicies.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    for (const policy of allPolicies) {
      assert.ok(policy.description.length > 20, policy.name);
      assert.equal(policy.enforcementLevel, "mandatory", policy.name);
    }
  });
});

describe("policy/all-policies: what each policy applies to", () => {
  it("every policy declares the resource types it applies to, as Pulumi type tokens", () => {
    for (const policy of allPolicies) {
      assert.ok(policy.resourceTypes.length > 0, policy.name);
      for (const type of policy.resourceTypes) assert.match(type, /^aws:[a-z0-9]+\/[a-zA-Z0-9]+:[A-Z][a-zA-Z0-9]+$/);
    }
  });

  it("every policy reports a resource of any other type as not applicable, and nothing else", async () => {
    const others = [
      { type: "aws:apigatewayv2/api:Api", name: "page-api", props: { protocolType: "HTTP" } },
      ...allPolicies.flatMap((p) => p.resourceTypes).map((type) => ({ type, name: "other", props: {} })),
    ];
    for (const policy of allPolicies) {
      for (const resource of others.filter((r) => !policy.resourceTypes.includes(r.type))) {
        assert.deepEqual(
          await analyze(policy, resource),
          { violations: [], notApplicable: appliesOnlyTo(policy.resourceTypes) },
          `${policy.name} on ${resource.type}`,
        );
      }
    }
  });
});

describe("policy/all-policies: one broken statement, one violation", () => {
  it('reports an Allow of Action "*" on Resource "*" once, from iam-no-wildcard-actions only', async () => {
    const everything = { Sid: "Everything", Effect: "Allow" as const, Action: "*", Resource: "*" };
    assert.deepEqual(await violationsOfAll(allPolicies, [rolePolicy(...compliantStatements, everything)]), [
      {
        policy: "iam-no-wildcard-actions",
        resource: "aws:iam/rolePolicy:RolePolicy::approval-notify-approver-policy",
        message:
          'Policy document, statement "Everything": allows the action "*" (every action of every service); list the actions one by one.',
      },
    ]);
  });

  it('reports "iam:*" on role/* in an inline policy once, and a partial wildcard where each rule breaks', async () => {
    const inline = (statement: Record<string, unknown>) =>
      role({ inlinePolicies: [{ name: "pass", policy: JSON.stringify({ Statement: [statement] }) }] });
    const serviceWide = await violationsOfAll(allPolicies, [
      inline({ Effect: "Allow", Action: "iam:*", Resource: "arn:aws:iam::123456789012:role/*" }),
    ]);
    assert.deepEqual(
      serviceWide.map((v) => v.policy),
      ["iam-no-wildcard-actions"],
    );
    // "iam:Pass*" may be accepted by iam-no-wildcard-actions (allowPartialWildcards), so the
    // PassRole rule reports its own breach of the same statement.
    const partial = await violationsOfAll(allPolicies, [
      inline({ Effect: "Allow", Action: "iam:Pass*", Resource: "arn:aws:iam::123456789012:role/*" }),
    ]);
    assert.deepEqual(
      partial.map((v) => v.policy),
      ["iam-no-wildcard-actions", "iam-passrole-scoped", "iam-passrole-scoped"],
    );
  });
});

describe("policy/config.example.json (the example in policy/README.md)", () => {
  const example = JSON.parse(readFileSync(path.join(__dirname, "config.example.json"), "utf8")) as Record<
    string,
    unknown
  >;

  it("configures only policies of the pack, with knobs their configSchema declares and values of the declared type", () => {
    for (const [policyName, config] of Object.entries(example)) {
      const policy = allPolicies.find((p) => p.name === policyName);
      assert.ok(policy, `${policyName} is a policy of the pack`);
      assert.equal(typeof config, "object", `${policyName}: knobs, not an enforcement level`);
      for (const [knob, value] of Object.entries(config as Record<string, unknown>)) {
        const schema = policy.configSchema?.properties[knob] as { type?: string } | undefined;
        assert.ok(schema, `${policyName} declares ${knob}`);
        assert.ok(JSON_TYPES[schema.type ?? ""]?.(value), `${policyName}.${knob} is a ${schema.type}`);
      }
    }
  });

  it("changes no enforcement level, so every policy stays mandatory", () => {
    for (const [policyName, config] of Object.entries(example)) {
      assert.ok(!ENFORCEMENT_LEVELS.includes(config as string), `${policyName} is not set to a level`);
      assert.equal((config as Record<string, unknown>).enforcementLevel, undefined, policyName);
    }
  });

  it("shows every knob of every policy that has one, with its default", () => {
    for (const policy of allPolicies.filter((p) => p.configSchema)) {
      const defaults = Object.fromEntries(
        Object.entries(policy.configSchema!.properties).map(([knob, schema]) => [knob, schema.default]),
      );
      assert.deepEqual(example[policy.name], defaults, policy.name);
    }
  });

  it("is the example policy/README.md shows", () => {
    const readme = readFileSync(path.join(__dirname, "README.md"), "utf8");
    const block = /\[`config\.example\.json`\]\(config\.example\.json\):\n\n```json\n([\s\S]*?)\n```/.exec(readme);
    assert.ok(block, "policy/README.md shows config.example.json in a json block");
    assert.deepEqual(JSON.parse(block[1]), example);
  });
});

describe("policy/README.md", () => {
  const readme = readFileSync(path.join(__dirname, "README.md"), "utf8");
  /** `aws:iam/role:Role` → `aws.iam.Role`, the class a TypeScript program creates. */
  const className = (type: string) =>
    `aws.${type.slice(4, type.indexOf("/"))}.${type.slice(type.lastIndexOf(":") + 1)}`;

  /** The rows of the README's policy table: name, and the classes in its "applies to" column. */
  const tableRows = () => {
    const lines = readme.split("\n");
    const header = lines.findIndex((line) => line.startsWith("| policy | applies to |"));
    assert.ok(header >= 0, "policy/README.md has the table headed | policy | applies to |");
    const rows: Array<{ name: string; appliesTo: string[] }> = [];
    for (const line of lines.slice(header + 2)) {
      if (!line.startsWith("|")) break;
      const cells = line.split("|").map((cell) => cell.trim());
      const name = /^`([^`]+)`$/.exec(cells[1]);
      assert.ok(name, `a table row names its policy in backquotes: ${line}`);
      rows.push({
        name: name[1],
        appliesTo: [...cells[2].matchAll(/`(aws\.[a-z0-9]+\.[A-Za-z0-9]+)`/g)].map((m) => m[1]),
      });
    }
    return rows;
  };

  it("lists every policy with the resources it applies to, and nothing else", () => {
    const rows = tableRows();
    assert.deepEqual(
      rows.map((row) => row.name).sort(),
      allPolicies.map((policy) => policy.name).sort(),
      "one row per policy of all-policies.ts, no row for a policy the pack does not have",
    );
    for (const policy of allPolicies) {
      const row = rows.find((r) => r.name === policy.name);
      assert.deepEqual(
        row?.appliesTo.slice().sort(),
        policy.resourceTypes.map(className).sort(),
        `the "applies to" column of ${policy.name} names exactly its resourceTypes`,
      );
    }
  });
});
