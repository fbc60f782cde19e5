import { strict as assert } from "node:assert";
import { ACCOUNT, arn, lambdaPermission } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { lambdaPermissionScoped as policy } from "./lambda-permission-scoped";

const NO_SOURCE =
  "The permission has no sourceArn or sourceAccount, so any resource of that service, in any account, can invoke the function; set sourceArn to the invoking resource's ARN.";

describe("policy lambda-permission-scoped", () => {
  it("accepts one service principal with a sourceArn or a sourceAccount", async () => {
    assert.deepEqual(await violationsOf(policy, lambdaPermission()), []);
    assert.deepEqual(
      await violationsOf(
        policy,
        lambdaPermission({
          principal: "apigateway.amazonaws.com",
          sourceArn: `arn:aws:execute-api:eu-west-1:${ACCOUNT}:a1b2c3/*`,
        }),
      ),
      [],
      "API Gateway's source ARN names one API, with wildcards for its stages and routes",
    );
    assert.deepEqual(
      await violationsOf(
        policy,
        lambdaPermission({ principal: "s3.amazonaws.com", sourceArn: undefined, sourceAccount: ACCOUNT }),
      ),
      [],
    );
  });

  it('catches a permission for everyone (principal "*") without a source', async () => {
    assert.deepEqual(await violationsOf(policy, lambdaPermission({ principal: "*", sourceArn: undefined })), [
      'The permission grants everyone (principal "*"); name the one AWS service that invokes the function.',
      NO_SOURCE,
    ]);
  });

  it("catches an account or IAM principal instead of a service", async () => {
    for (const principal of [ACCOUNT, `arn:aws:iam::${ACCOUNT}:role/Caller`]) {
      assert.deepEqual(await violationsOf(policy, lambdaPermission({ principal })), [
        `The permission grants "${principal}", not an AWS service principal such as "events.amazonaws.com"; grant the one service that invokes the function.`,
      ]);
    }
  });

  it("catches a service principal without sourceArn or sourceAccount", async () => {
    assert.deepEqual(await violationsOf(policy, lambdaPermission({ sourceArn: undefined })), [NO_SOURCE]);
  });

  it("catches a source that names no source", async () => {
    assert.deepEqual(await violationsOf(policy, lambdaPermission({ sourceArn: "arn:aws:events:*:*:rule/*" })), [
      'sourceArn "arn:aws:events:*:*:rule/*" does not name a source (an ARN with its service and account, not only wildcards); set it to the ARN of the resource that invokes the function.',
    ]);
    assert.deepEqual(
      await violationsOf(policy, lambdaPermission({ sourceArn: arn("events", "*"), sourceAccount: undefined })),
      [
        `sourceArn "${arn("events", "*")}" does not name a source (an ARN with its service and account, not only wildcards); set it to the ARN of the resource that invokes the function.`,
      ],
    );
    assert.deepEqual(await violationsOf(policy, lambdaPermission({ sourceArn: undefined, sourceAccount: "*" })), [
      'sourceAccount "*" is not a 12-digit AWS account ID.',
    ]);
  });

  it("reports a principal or source unknown during preview as not checked", async () => {
    assert.deepEqual(await analyze(policy, lambdaPermission({ sourceArn: engineUnknown.string })), {
      violations: [],
      notChecked: "sourceArn: could not be checked during preview; checked at `pulumi up`.",
    });
    assert.deepEqual(
      await analyze(policy, lambdaPermission({ principal: engineUnknown.string, sourceArn: undefined })),
      {
        violations: [NO_SOURCE],
        notChecked: "principal: could not be checked during preview; checked at `pulumi up`.",
      },
    );
    // One source known does not check the other, unknown one: it is still reported.
    assert.deepEqual(
      await analyze(policy, lambdaPermission({ sourceArn: engineUnknown.string, sourceAccount: ACCOUNT })),
      { violations: [], notChecked: "sourceArn: could not be checked during preview; checked at `pulumi up`." },
      "a known sourceAccount does not check the sourceArn the update will set",
    );
    assert.deepEqual(await analyze(policy, lambdaPermission({ sourceArn: engineUnknown.string, sourceAccount: "*" })), {
      violations: ['sourceAccount "*" is not a 12-digit AWS account ID.'],
      notChecked: "sourceArn: could not be checked during preview; checked at `pulumi up`.",
    });
    assert.deepEqual(await analyze(policy, lambdaPermission({ sourceAccount: engineUnknown.string })), {
      violations: [],
      notChecked: "sourceAccount: could not be checked during preview; checked at `pulumi up`.",
    });
    assert.deepEqual(
      await analyze(
        policy,
        lambdaPermission({
          principal: engineUnknown.string,
          sourceArn: engineUnknown.string,
          sourceAccount: engineUnknown.string,
        }),
      ),
      {
        violations: [],
        notChecked: "principal; sourceArn; sourceAccount: could not be checked during preview; checked at `pulumi up`.",
      },
    );
  });
});
