/**
 * Classifying AWS SDK errors the way the SDK's own retry strategy does, for handlers that must
 * tell a throttled or limited service (back off and try again) from one that refused for good.
 * The names (core/throttling.ts) are the SDK's throttling codes plus the service limits that clear
 * by themselves once running work ends; the state machine retries the same names.
 */
import { THROTTLING_ERROR_NAMES as NAMES } from "../../core/throttling";

export const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set(NAMES);

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
