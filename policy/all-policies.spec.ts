import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { allPolicies } from "./all-policies";

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

describe("policy/config.example.json (the example in policy/README.md)", () => {
  const example = JSON.parse(readFileSync(path.join(__dirname, "config.example.json"), "utf8")) as Record<
    string,
    unknown
  >;

  it("configures only policies of the pack, with knobs their configSchema declares and values of the declared type", () => {
    for (const [policyName, config] of Object.entries(example)) {
      const policy = allPolicies.find((p) => p.name === policyName);
      assert.ok(policy, `${policyName} is a policy of the pack`);
      if (typeof config === "string") {
        assert.ok(ENFORCEMENT_LEVELS.includes(config), `${policyName}: ${config} is an enforcement level`);
        continue;
      }
      for (const [knob, value] of Object.entries(config as Record<string, unknown>)) {
        if (knob === "enforcementLevel") {
          assert.ok(ENFORCEMENT_LEVELS.includes(value as string), `${policyName}: ${value} is an enforcement level`);
          continue;
        }
        const schema = policy.configSchema?.properties[knob] as { type?: string } | undefined;
        assert.ok(schema, `${policyName} declares ${knob}`);
        assert.ok(JSON_TYPES[schema.type ?? ""]?.(value), `${policyName}.${knob} is a ${schema.type}`);
      }
    }
  });
});
