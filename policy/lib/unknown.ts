/**
 * Values the Pulumi engine cannot know yet.
 *
 * During `pulumi preview` an input that depends on another resource's output (an ARN, a
 * JSON document built from one) reaches the pack as a sentinel string. @pulumi/policy wraps
 * the props in a proxy that throws on reading such a value, which turns the whole policy
 * into a "can't run during preview" warning. The policies here prefer to skip only the
 * check whose value is unknown, so they read the plain props and test for the sentinels.
 */

/** The engine's sentinels (same strings as @pulumi/policy's internal proxy.js). */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** Marks "cannot be known during preview" in values read by {@link valueAt}. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN || (typeof value === "string" && UNKNOWN_SENTINELS.has(value));
}

/** The key under which @pulumi/policy's proxy hands out the object it wraps. */
const PROXY_TARGET_KEY = "__getSpecialProxyTarget";

/**
 * The resource props without @pulumi/policy's unknown-checking proxy, so that reading an
 * unknown value yields its sentinel instead of throwing. Plain objects pass through.
 */
export function plainProps(props: Record<string, unknown>): Record<string, unknown> {
  const target = (props as Record<string, unknown>)[PROXY_TARGET_KEY];
  return target !== undefined && typeof target === "object" && target !== null
    ? (target as Record<string, unknown>)
    : props;
}

/**
 * Reads a nested value. Returns UNKNOWN when the value or any object on the way to it is
 * unknown, undefined when something on the way is absent (or not an object).
 */
export function valueAt(root: unknown, ...path: string[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (isUnknown(current)) return UNKNOWN;
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return isUnknown(current) ? UNKNOWN : current;
}
