/**
 * Classifying AWS SDK errors the way the SDK's own retry strategy does, for handlers that must
 * tell a throttled or limited service (back off and try again) from one that refused for good.
 * The names are the SDK's throttling codes (@smithy/service-error-classification), plus the
 * service limits that clear by themselves once running work ends.
 */
export const THROTTLING_ERROR_NAMES = new Set([
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
  // SSM: too many automations running and queued in the account; clears as they end.
  "AutomationExecutionLimitExceededException",
]);

interface MaybeAwsError {
  name?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function isThrottling(error: unknown): boolean {
  const candidate = error as MaybeAwsError | undefined;
  if (candidate === undefined || candidate === null) return false;
  return (
    (typeof candidate.name === "string" && THROTTLING_ERROR_NAMES.has(candidate.name)) ||
    candidate.$metadata?.httpStatusCode === 429
  );
}

/** "Name: message" of an error, for causes and log lines. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
