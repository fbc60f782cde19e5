/**
 * The permissions the README documents for deploying and previewing a stack, and the CI workflow
 * that assumes the preview role, must say the same: a preview is read-only plus
 * states:ValidateStateMachineDefinition (the AWS provider validates a changed definition while it
 * computes the diff), and a deployer also needs the CloudWatch Logs delivery actions for vended logs.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const ROOT = resolve(__dirname, "..");
const README = readFileSync(resolve(ROOT, "README.md"), "utf8");
const CI = readFileSync(resolve(ROOT, ".github", "workflows", "ci.yml"), "utf8");
const VALIDATE = "states:ValidateStateMachineDefinition";

/** The README's "Deploying a stack" section, up to its "Stack config" subsection. */
function deployingSection(): string {
  const start = README.indexOf("\n## Deploying a stack\n");
  const end = README.indexOf("\n### Stack config\n", start);
  assert.ok(start >= 0 && end > start, 'README has a "Deploying a stack" section followed by "Stack config"');
  return README.slice(start, end);
}

/** The comment lines at the top of ci.yml, where the repository's variables and the role are described. */
function ciHeader(): string {
  return CI.split("\n")
    .filter((line) => line.startsWith("#"))
    .join("\n");
}

describe("documented deploy and preview permissions", () => {
  it("the README's deploy section gives the preview role states:ValidateStateMachineDefinition, citing the AWS API reference", () => {
    const section = deployingSection();
    assert.match(section, /\*\*preview\*\* role[^]*read-only, plus\s+`states:ValidateStateMachineDefinition`/);
    assert.match(section, /\(https:\/\/docs\.aws\.amazon\.com\/[^)]*ValidateStateMachineDefinition\)/);
  });

  it("the README's deploy section lists the CloudWatch Logs delivery actions the deployer needs", () => {
    const section = deployingSection();
    for (const action of [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]) {
      assert.ok(section.includes(`\`${action}\``), action);
    }
  });

  it("ci.yml describes the role it assumes for previews as read-only plus states:ValidateStateMachineDefinition", () => {
    const header = ciHeader();
    assert.ok(header.replace(/#\s*/g, "").includes(VALIDATE), `ci.yml's header names ${VALIDATE}`);
    assert.doesNotMatch(header, /ReadOnlyAccess[^\n]*suffice/, "read-only alone does not suffice for a preview");
  });
});
