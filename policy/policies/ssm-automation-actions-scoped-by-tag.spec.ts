import { strict as assert } from "node:assert";
import { ACCOUNT, rolePolicy } from "../testing/fixtures";
import { violationsOf } from "../testing/harness";
import { ssmAutomationActionsScopedByTag as policy } from "./ssm-automation-actions-scoped-by-tag";

const EXECUTIONS = `arn:aws:ssm:eu-west-1:${ACCOUNT}:automation-execution/*`;
const DOCUMENT = `arn:aws:ssm:eu-west-1:${ACCOUNT}:document/parallel-approval-dev-approval-ssm-1a2b3c4d`;
const ownTag = (key: string) => ({
  StringEquals: { [`${key}/parallel-approval:document`]: "parallel-approval-dev-approval-ssm-1a2b3c4d" },
});

describe("policy ssm-automation-actions-scoped-by-tag", () => {
  it("accepts stop and read on automation-execution/* with an aws:ResourceTag condition, and start with aws:RequestTag", async () => {
    const resource = rolePolicy(
      {
        Sid: "Stop",
        Effect: "Allow",
        Action: ["ssm:GetAutomationExecution", "ssm:StopAutomationExecution"],
        Resource: EXECUTIONS,
        Condition: ownTag("aws:ResourceTag"),
      },
      {
        Sid: "Start",
        Effect: "Allow",
        Action: "ssm:StartAutomationExecution",
        Resource: [DOCUMENT, EXECUTIONS],
        Condition: ownTag("aws:RequestTag"),
      },
    );
    assert.deepEqual(await violationsOf(policy, resource), []);
  });

  it("catches stopping every automation of the account: automation-execution/* without a tag condition", async () => {
    const resource = rolePolicy({
      Sid: "Stop",
      Effect: "Allow",
      Action: "ssm:StopAutomationExecution",
      Resource: EXECUTIONS,
    });
    assert.deepEqual(await violationsOf(policy, resource), [
      'Policy document, statement "Stop": allows ssm:StopAutomationExecution on every automation execution (automation-execution/*) without an aws:ResourceTag/<key> condition; tag the stack\'s automations and condition on the tag.',
    ]);
  });

  it("catches a start whose request tag is not required, and a resource-tag condition used for a start", async () => {
    const resource = rolePolicy({
      Sid: "Start",
      Effect: "Allow",
      Action: ["ssm:StartAutomationExecution", "ssm:AddTagsToResource"],
      Resource: [DOCUMENT, EXECUTIONS],
      Condition: ownTag("aws:ResourceTag"),
    });
    assert.equal((await violationsOf(policy, resource)).length, 1);
    assert.match(
      (await violationsOf(policy, resource))[0],
      /ssm:StartAutomationExecution, ssm:AddTagsToResource .*aws:RequestTag/,
    );
  });

  it("leaves statements on one named execution, and other services, alone", async () => {
    const resource = rolePolicy(
      {
        Effect: "Allow",
        Action: "ssm:GetAutomationExecution",
        Resource: `arn:aws:ssm:eu-west-1:${ACCOUNT}:automation-execution/4105a4fc-f944-11e6-9d32-0a1b2c3d495h`,
      },
      { Effect: "Allow", Action: "sns:Publish", Resource: `arn:aws:sns:eu-west-1:${ACCOUNT}:Automation-finance` },
    );
    assert.deepEqual(await violationsOf(policy, resource), []);
  });
});
