import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { packPolicy } from "../lib/validate";

/** A Lambda function ARN, optionally with a version or alias qualifier. */
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^:]+(:[^:]+)?$/;

/**
 * EventBridge invokes Lambdas asynchronously; without a retry policy and a dead-letter queue an
 * event lost to throttling or an error is gone for good (for this workflow: an SSM approval
 * nobody records, and an execution that waits until its timeout).
 */
export const eventbridgeLambdaTargetResilient = packPolicy({
  name: "eventbridge-lambda-target-resilient",
  description: "EventBridge targets that invoke a Lambda function have a retry policy and a dead-letter queue.",
  resourceTypes: [ResourceTypes.eventTarget],
  validate: ({ props, report, notChecked, notApplicable }) => {
    const arn = valueAt(props, "arn");
    if (arn === UNKNOWN) return notChecked("arn (whether the target is a Lambda function)");
    if (typeof arn !== "string" || !LAMBDA_FUNCTION_ARN.test(arn)) {
      notApplicable("Policy only applies to targets that invoke a Lambda function");
    }
    const retryPolicy = valueAt(props, "retryPolicy");
    if (retryPolicy === UNKNOWN) notChecked("retryPolicy");
    else if (retryPolicy === undefined || retryPolicy === null) {
      report(
        "The target invokes a Lambda function without a retryPolicy; set maximumRetryAttempts and maximumEventAgeInSeconds.",
      );
    }
    const deadLetterArn = valueAt(props, "deadLetterConfig", "arn");
    if (deadLetterArn === UNKNOWN) notChecked("deadLetterConfig.arn");
    else if (typeof deadLetterArn !== "string" || deadLetterArn === "") {
      report(
        "The target invokes a Lambda function without a dead-letter queue; set deadLetterConfig.arn to an SQS queue ARN.",
      );
    }
  },
});
