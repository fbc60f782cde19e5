import { strict as assert } from "node:assert";
import { arn, compliantStatements, role, rolePolicy } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { iamResourceWildcardOnlyWhereRequired as policy } from "./iam-resource-wildcard-only-where-required";

describe("policy iam-resource-wildcard-only-where-required", () => {
  it('accepts Resource "*" for actions without resource-level permissions (states:SendTask*, xray:PutTraceSegments) and ARNs for the rest', async () => {
    assert.deepEqual(await violationsOf(policy, rolePolicy(...compliantStatements)), []);
    const logDelivery = rolePolicy({
      Effect: "Allow",
      Action: [
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
      ],
      Resource: "*",
    });
    assert.deepEqual(await violationsOf(policy, logDelivery), []);
  });

  it('catches an action that supports resource-level permissions on Resource "*"', async () => {
    const resource = rolePolicy({
      Sid: "Publish",
      Effect: "Allow",
      Action: ["sns:Publish", "states:SendTaskSuccess"],
      Resource: "*",
    });
    assert.deepEqual(await violationsOf(policy, resource), [
      'Policy document, statement "Publish": grants "sns:Publish" on Resource "*", but it supports resource-level permissions; name the ARNs.',
    ]);
  });

  it('catches an action the reference data does not know on Resource "*"', async () => {
    const resource = rolePolicy({ Effect: "Allow", Action: "states:SendTaskSucess", Resource: "*" });
    assert.deepEqual(await violationsOf(policy, resource), [
      'Policy document, statement #1: grants "states:SendTaskSucess" on Resource "*", but the IAM reference data does not know that action; fix the action name or name the ARNs.',
    ]);
  });

  it("catches Allow with NotResource", async () => {
    const resource = rolePolicy({
      Sid: "NotThat",
      Effect: "Allow",
      Action: "sns:Publish",
      NotResource: arn("sns", "x"),
    });
    assert.deepEqual(await violationsOf(policy, resource), [
      'Policy document, statement "NotThat": combines Allow with NotResource, which allows every resource not listed; name the ARNs in Resource.',
    ]);
  });

  it("checks a role's inline policies", async () => {
    const resource = role({
      inlinePolicies: [
        {
          name: "store",
          policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "dynamodb:PutItem", Resource: ["*"] }] }),
        },
      ],
    });
    assert.deepEqual(await violationsOf(policy, resource), [
      'Inline policy "store", statement #1: grants "dynamodb:PutItem" on Resource "*", but it supports resource-level permissions; name the ARNs.',
    ]);
  });

  it('leaves "*" and "service:*" actions to iam-no-wildcard-actions', async () => {
    const resource = rolePolicy({ Effect: "Allow", Action: ["*", "sns:*"], Resource: "*" });
    assert.deepEqual(await violationsOf(policy, resource), []);
  });

  it("reports resources and actions unknown during preview as not checked where they matter", async () => {
    assert.deepEqual(
      await analyze(policy, rolePolicy({ Effect: "Allow", Action: "sns:Publish", Resource: engineUnknown.string })),
      {
        violations: [],
        notChecked:
          "Policy document, statement #1: Resource: could not be checked during preview; checked at `pulumi up`.",
      },
    );
    assert.deepEqual(
      await analyze(policy, rolePolicy({ Effect: "Allow", Action: engineUnknown.array, Resource: "*" })),
      {
        violations: [],
        notChecked:
          "Policy document, statement #1: Action: could not be checked during preview; checked at `pulumi up`.",
      },
    );
    // Whatever the unknown entry is, states:SendTaskSuccess may have Resource "*".
    assert.deepEqual(
      await analyze(
        policy,
        rolePolicy({ Effect: "Allow", Action: "states:SendTaskSuccess", Resource: [engineUnknown.string] }),
      ),
      { violations: [] },
    );
  });
});
