import { ResourceValidationPolicy } from "@pulumi/policy";
import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { validateResourcesOfTypes } from "../lib/validate";

/** A Lambda function ARN, optionally with a version or alias qualifier. */
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^:]+(:[^:]+)?$/;

/**
 * EventBridge invokes Lambdas asynchronously; without a retry policy and a dead-letter queue an
 * event lost to throttling or an error is gone for good (for this workflow: an SSM approval
 * nobody records, and an execution that waits until its timeout).
 */
export const eventbridgeLambdaTargetResilient: ResourceValidationPolicy = {
  name: "eventbridge-lambda-target-resilient",
  description: "EventBridge targets that invoke a Lambda function have a retry policy and a dead-letter queue.",
  enforcementLevel: "mandatory",
  validateResource: validateResourcesOfTypes([ResourceTypes.eventTarget], (props, _args, reportViolation) => {
    const arn = valueAt(props, "arn");
    if (typeof arn !== "string" || !LAMBDA_FUNCTION_ARN.test(arn)) return; // unknown, or not a Lambda
    const retryPolicy = valueAt(props, "retryPolicy");
    if (retryPolicy !== UNKNOWN && (retryPolicy === undefined || retryPolicy === null)) {
      reportViolation(
        "The target invokes a Lambda function without a retryPolicy; set maximumRetryAttempts and maximumEventAgeInSeconds.",
      );
    }
    const deadLetterArn = valueAt(props, "deadLetterConfig", "arn");
    if (deadLetterArn !== UNKNOWN && (typeof deadLetterArn !== "string" || deadLetterArn === "")) {
      reportViolation(
        "The target invokes a Lambda function without a dead-letter queue; set deadLetterConfig.arn to an SQS queue ARN.",
      );
    }
  }),
};
