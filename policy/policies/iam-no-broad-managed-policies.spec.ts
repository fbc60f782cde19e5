import { strict as assert } from "node:assert";
import { role } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { iamNoBroadManagedPolicies as policy } from "./iam-no-broad-managed-policies";

const attachment = (policyArn: string) => ({
  type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  props: { role: "r", policyArn },
});

describe("policy iam-no-broad-managed-policies", () => {
  it("accepts roles without managed policies and narrow managed policies", async () => {
    assert.deepEqual(await violationsOf(policy, role()), []);
    assert.deepEqual(
      await violationsOf(policy, attachment("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")),
      [],
    );
    assert.deepEqual(
      await violationsOf(policy, attachment("arn:aws:iam::123456789012:policy/AmazonS3FullAccess")),
      [],
      "a customer policy is checked by the statement policies",
    );
  });

  it("catches AmazonSSMAutomationRole attached with a RolePolicyAttachment", async () => {
    assert.deepEqual(
      await violationsOf(policy, attachment("arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole")),
      [
        'Attaches the AWS managed policy "arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole", which grants far more than one role of this stack needs; grant the needed actions one by one.',
      ],
    );
  });

  it("catches AdministratorAccess, PowerUserAccess and *FullAccess in a role's managedPolicyArns", async () => {
    const resource = role({
      managedPolicyArns: [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/PowerUserAccess",
        "arn:aws:iam::aws:policy/AmazonSNSFullAccess",
        "arn:aws:iam::aws:policy/AWSStepFunctionsFullAccess",
        "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
      ],
    });
    const violations = await violationsOf(policy, resource);
    assert.equal(violations.length, 4);
    assert.equal(
      violations[0],
      'Attaches the AWS managed policy "arn:aws:iam::aws:policy/AdministratorAccess", which grants far more than one role of this stack needs; grant the needed actions one by one.',
    );
  });

  it("checks RolePolicyAttachmentsExclusive and accepts more names from its config", async () => {
    const resource = {
      type: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
      props: { roleName: "r", policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] },
    };
    assert.deepEqual(await violationsOf(policy, resource), []);
    assert.equal((await violationsOf(policy, resource, { additionalForbiddenPolicies: ["ReadOnlyAccess"] })).length, 1);
  });

  it("reports ARNs unknown during preview as not checked", async () => {
    assert.deepEqual(await analyze(policy, attachment(engineUnknown.string)), {
      violations: [],
      notChecked: "policyArn: could not be checked during preview; checked at `pulumi up`.",
    });
    assert.deepEqual(await analyze(policy, role({ managedPolicyArns: engineUnknown.array })), {
      violations: [],
      notChecked: "managedPolicyArns: could not be checked during preview; checked at `pulumi up`.",
    });
  });
});
