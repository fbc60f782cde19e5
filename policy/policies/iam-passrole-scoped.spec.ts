import { strict as assert } from "node:assert";
import { ACCOUNT, AUTOMATION_ROLE_ARN, compliantStatements, rolePolicy } from "../testing/fixtures";
import { engineUnknown, violationsOf } from "../testing/harness";
import { iamPassRoleScoped as policy } from "./iam-passrole-scoped";

const passedToSsm = { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } };

describe("policy iam-passrole-scoped", () => {
  it("accepts iam:PassRole on the exact automation role ARN with an iam:PassedToService condition", async () => {
    assert.deepEqual(await violationsOf(policy, rolePolicy(...compliantStatements)), []);
  });

  it("catches iam:PassRole on role/*", async () => {
    const resource = rolePolicy({
      Sid: "Pass",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: `arn:aws:iam::${ACCOUNT}:role/*`,
      Condition: passedToSsm,
    });
    assert.deepEqual(await violationsOf(policy, resource), [
      `Policy document, statement "Pass": allows iam:PassRole on "arn:aws:iam::${ACCOUNT}:role/*"; name each role by its exact ARN, without wildcards.`,
    ]);
  });

  it('catches iam:PassRole on "*" and on role name patterns', async () => {
    const resource = rolePolicy({
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: ["*", `arn:aws:iam::${ACCOUNT}:role/approval-?`],
      Condition: passedToSsm,
    });
    assert.deepEqual(await violationsOf(policy, resource), [
      'Policy document, statement #1: allows iam:PassRole on "*"; name each role by its exact ARN, without wildcards.',
      `Policy document, statement #1: allows iam:PassRole on "arn:aws:iam::${ACCOUNT}:role/approval-?"; name each role by its exact ARN, without wildcards.`,
    ]);
  });

  it("catches iam:PassRole without an iam:PassedToService condition", async () => {
    const resource = rolePolicy({
      Sid: "Pass",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: AUTOMATION_ROLE_ARN,
    });
    assert.deepEqual(await violationsOf(policy, resource), [
      'Policy document, statement "Pass": allows iam:PassRole without an iam:PassedToService condition; name the service the role may be passed to.',
    ]);
    const otherCondition = rolePolicy({
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: AUTOMATION_ROLE_ARN,
      Condition: { StringEquals: { "aws:ResourceAccount": ACCOUNT } },
    });
    assert.equal((await violationsOf(policy, otherCondition)).length, 1);
  });

  it("sees iam:PassRole granted through a wildcard action such as iam:*", async () => {
    const resource = rolePolicy({ Effect: "Allow", Action: "iam:*", Resource: `arn:aws:iam::${ACCOUNT}:role/*` });
    assert.equal((await violationsOf(policy, resource)).length, 2);
  });

  it("skips unknown role ARNs and conditions during preview", async () => {
    const resource = rolePolicy({
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: engineUnknown.string,
      Condition: engineUnknown.object as any,
    });
    assert.deepEqual(await violationsOf(policy, resource), []);
  });
});
