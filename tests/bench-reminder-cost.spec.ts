/**
 * The bench's cost of one reminder (bench/reminder-cost.ts), counted through the deployed
 * definition and the real handlers, in a child process as `npm run bench` runs it (the bench loads
 * the handlers as ES modules, which the test runner's loader does not): a reminder adds exactly
 * the planning step and the ask sent again (two state transitions, one record-expiry and one
 * notify-approver invocation) and one email, and it is priced.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import type { ReminderCost } from "../bench/reminder-cost";

const ROOT = path.resolve(__dirname, "..");

const SCRIPT = `
const { startLocalWorkflow } = require("./bench/local-workflow");
const { reminderCost, reminderSection } = require("./bench/reminder-cost");
(async () => {
  const workflow = await startLocalWorkflow();
  try {
    const cost = await reminderCost(workflow, { memoryMb: 256, architecture: "arm64" });
    process.stdout.write(JSON.stringify({ cost, text: reminderSection(cost) }));
  } finally {
    await workflow.stop();
  }
})();
`;

describe("bench: the cost of one reminder", function () {
  this.timeout(90_000);

  it("adds two state transitions, one planning and one notify invocation and one email, and is priced", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "-e", SCRIPT], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: "", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });
    const { cost, text } = JSON.parse(stdout) as { cost: ReminderCost; text: string };
    assert.equal(cost.stateTransitions, 2);
    assert.deepEqual(cost.lambdaInvocations, { "notify-approver": 1, "record-expiry": 1 });
    assert.equal(cost.snsEmails, 1);
    // Step Functions: 2 × $0.025 per 1,000 transitions; SNS: $2 per 100,000 emails.
    assert.equal(cost.cost.stepFunctions.toFixed(4), "0.0500");
    assert.equal(cost.cost.sns.toFixed(4), "0.0200");
    assert.match(text, /One reminder adds 2 state transitions/);
  });
});
