/**
 * The names of the errors an AWS SDK for JavaScript v3 client throws when a service throttled or
 * limited it, once the client's own retries are spent: the SDK's throttling codes (the list its
 * retry strategy uses, @smithy/core service-error-classification THROTTLING_ERROR_CODES), plus
 * service limits that clear by themselves once running work ends. An SDK error's `name` is that
 * code, and a Lambda function that lets it escape fails with it as the error name Step Functions
 * matches in Retry and Catch ("next steps are chosen ... based on the error name":
 * https://docs.aws.amazon.com/step-functions/latest/dg/tutorial-handling-error-conditions.html).
 *
 * One list for both places that act on it: the handlers, which turn a channel's throttling into
 * Approval.ChannelThrottled (lambdas/adapters/aws-errors.ts), and the state machine, which retries
 * any Lambda task that failed with one of these, e.g. the request store's DynamoDB throttling
 * (core/definition.ts LAMBDA_RETRY).
 */
const SDK_THROTTLING_ERROR_NAMES = [
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
] as const;

/** Service limits that are not throttling to the SDK but clear by themselves as work ends. */
const SERVICE_LIMIT_ERROR_NAMES = [
  // SSM: too many automations running and queued in the account; clears as they end.
  "AutomationExecutionLimitExceededException",
] as const;

/** Every error name that means "throttled or limited: back off and try again". */
export const THROTTLING_ERROR_NAMES: readonly string[] = [...SDK_THROTTLING_ERROR_NAMES, ...SERVICE_LIMIT_ERROR_NAMES];
