import { strict as assert } from "node:assert";
import { arn, eventTarget } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { eventbridgeLambdaTargetResilient as policy } from "./eventbridge-lambda-target-resilient";

describe("policy eventbridge-lambda-target-resilient", () => {
  it("accepts a Lambda target with a retry policy and a dead-letter queue", async () => {
    assert.deepEqual(await violationsOf(policy, eventTarget()), []);
  });

  it("catches a rule target without a dead-letter queue", async () => {
    assert.deepEqual(await violationsOf(policy, eventTarget({ deadLetterConfig: undefined })), [
      "The target invokes a Lambda function without a dead-letter queue; set deadLetterConfig.arn to an SQS queue ARN.",
    ]);
  });

  it("catches a rule target without a retry policy", async () => {
    assert.deepEqual(await violationsOf(policy, eventTarget({ retryPolicy: undefined })), [
      "The target invokes a Lambda function without a retryPolicy; set maximumRetryAttempts and maximumEventAgeInSeconds.",
    ]);
  });

  it("applies to qualified function ARNs, and reports other targets as not applicable", async () => {
    assert.equal(
      (await violationsOf(policy, eventTarget({ arn: arn("lambda", "function:f:live"), deadLetterConfig: undefined })))
        .length,
      1,
    );
    assert.deepEqual(
      await analyze(
        policy,
        eventTarget({ arn: arn("states", "stateMachine:s"), deadLetterConfig: undefined, retryPolicy: undefined }),
      ),
      { violations: [], notApplicable: "Policy only applies to targets that invoke a Lambda function" },
    );
  });

  it("reports targets whose ARN or settings are unknown during preview as not checked", async () => {
    assert.deepEqual(await analyze(policy, eventTarget({ arn: engineUnknown.string, deadLetterConfig: undefined })), {
      violations: [],
      notChecked:
        "arn (whether the target is a Lambda function): could not be checked during preview; checked at `pulumi up`.",
    });
    assert.deepEqual(
      await analyze(
        policy,
        eventTarget({ deadLetterConfig: { arn: engineUnknown.string }, retryPolicy: engineUnknown.object }),
      ),
      {
        violations: [],
        notChecked: "retryPolicy; deadLetterConfig.arn: could not be checked during preview; checked at `pulumi up`.",
      },
    );
  });
});
