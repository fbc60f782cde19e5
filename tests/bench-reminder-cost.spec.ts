/**
 * The bench's cost of one reminder (bench/reminder-cost.ts), counted through the deployed
 * definition and the real handlers: a reminder adds exactly the planning step and the ask sent
 * again (two state transitions, one record-expiry and one notify-approver invocation) and one
 * email; the happy path (decided before any reminder) adds nothing.
 */
import { strict as assert } from "node:assert";
import { reminderCost, reminderSection } from "../bench/reminder-cost";
import { startLocalWorkflow, type LocalWorkflow } from "../bench/local-workflow";

describe("bench: the cost of one reminder", function () {
  this.timeout(60_000);
  let workflow: LocalWorkflow;
  before(async () => {
    workflow = await startLocalWorkflow();
  });
  after(() => workflow?.stop());

  it("adds two state transitions, one planning and one notify invocation and one email, and is priced", async () => {
    const cost = await reminderCost(workflow, { memoryMb: 256, architecture: "arm64" });
    assert.equal(cost.stateTransitions, 2);
    assert.deepEqual(cost.lambdaInvocations, { "notify-approver": 1, "record-expiry": 1 });
    assert.equal(cost.snsEmails, 1);
    // Step Functions: 2 × $0.025 per 1,000 transitions; SNS: $2 per 100,000 emails.
    assert.equal(cost.cost.stepFunctions.toFixed(4), "0.0500");
    assert.equal(cost.cost.sns.toFixed(4), "0.0200");
    assert.match(reminderSection(cost), /One reminder adds 2 state transitions/);
  });

  it("a request with reminders decided before the first one costs N + 3 transitions", async () => {
    const request = workflow.start([2], [2], 3600);
    for (const [, askId] of await request.links(2)) await workflow.page("POST", askId, "decision=approve");
    const result = await request.execution.result;
    assert.equal(result.transitions, 2 + 3);
  });
});
