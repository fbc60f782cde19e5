/**
 * Settings every AWS SDK client of the handlers shares. Region, credentials and endpoints come
 * from the environment, as the SDK reads them (`AWS_ENDPOINT_URL_<SERVICE>` points the sandbox's
 * handlers at local stand-ins). Retries: the SDK's standard mode retries throttling and transient
 * errors with exponential backoff and jitter; 3 attempts by default, raised here because 50
 * branches of one stage can call the same API at the same moment.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export const SDK_MAX_ATTEMPTS = 6;

export const clientConfig = { maxAttempts: SDK_MAX_ATTEMPTS } as const;

/** A value created on first use, then reused for the life of the Lambda container. */
export function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}
