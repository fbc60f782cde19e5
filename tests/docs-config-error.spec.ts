/**
 * The README shows what a config mistake looks like; that sample must be the message the program
 * really gives (it lists every setting, so it goes stale whenever one is added). Regenerated here
 * from the README's own stages example, read as the sandbox and `pulumi up` read a stack file.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "../core/config";
import { stackSettingsFromYaml } from "../local/stack-config";

const README = readFileSync(resolve(__dirname, "..", "README.md"), "utf8");

/** The first fenced block of `language` after `marker` in the README. */
function blockAfter(marker: string, language: string): string {
  const at = README.indexOf(marker);
  assert.ok(at >= 0, `README has "${marker}"`);
  const block = new RegExp("```" + language + "\\n([\\s\\S]*?)\\n```").exec(README.slice(at));
  assert.ok(block, `a ${language || "plain"} block follows "${marker}"`);
  return block[1];
}

describe("the README's sample config error", () => {
  it("is the message the program gives for the README's stages with cab's email mistyped and a quorom typo", () => {
    const stages = blockAfter("Stages, run in order", "yaml");
    assert.ok(stages.includes("email: cab@example.com"), "the example has cab's email");
    const mistaken = `${stages.replace("email: cab@example.com", "email: cab.example.com")}\n  parallel-approval:quorom: 1\n`;
    let message: string | undefined;
    try {
      stackSettingsFromYaml(mistaken, "dev");
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      message = error.message;
    }
    assert.equal(blockAfter("typos in key names included", ""), message);
  });
});
