import { strict as assert } from "node:assert";
import { ACCOUNT, AUTOMATION_ROLE_ARN, compliantStatements, rolePolicy } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
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

  it("sees iam:PassRole granted through a partial wildcard such as iam:Pass*", async () => {
    const resource = rolePolicy({ Effect: "Allow", Action: "iam:Pass*", Resource: `arn:aws:iam::${ACCOUNT}:role/*` });
    assert.equal((await violationsOf(policy, resource)).length, 2);
  });

  it('leaves "iam:*" and "*" to iam-no-wildcard-actions, which reports them whatever its config', async () => {
    for (const action of ["iam:*", "*"]) {
      const resource = rolePolicy({ Effect: "Allow", Action: action, Resource: `arn:aws:iam::${ACCOUNT}:role/*` });
      assert.deepEqual(await violationsOf(policy, resource), [], action);
    }
  });

  it("reports role ARNs, conditions and actions unknown during preview as not checked", async () => {
    const resource = rolePolicy({
      Sid: "Pass",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: engineUnknown.string,
      Condition: engineUnknown.object as any,
    });
    assert.deepEqual(await analyze(policy, resource), {
      violations: [],
      notChecked:
        'Policy document, statement "Pass": Resource; Policy document, statement "Pass": Condition: could not be checked during preview; checked at `pulumi up`.',
    });
    const unknownAction = rolePolicy({ Sid: "Some", Effect: "Allow", Action: [engineUnknown.string], Resource: "*" });
    assert.deepEqual(await analyze(policy, unknownAction), {
      violations: [],
      notChecked:
        'Policy document, statement "Some": Action: could not be checked during preview; checked at `pulumi up`.',
    });
  });
});
