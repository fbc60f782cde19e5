/**
 * Checks that could not run because a value is unknown during preview, reported the way
 * @pulumi/policy reports them.
 *
 * @pulumi/policy 1.21 has no per-violation enforcement level in its typings (`ReportViolation`
 * takes a message and an optional URN; the object form its server also accepts is private, see
 * https://github.com/pulumi/pulumi-policy/pull/424). What it does provide: a validation that
 * throws its `UnknownValueError` becomes one **advisory** diagnostic, "can't run policy '<name>'
 * from policy pack '<pack>@v<version>' during preview: <message>", whatever the policy's own
 * enforcement level (server.js, makeAnalyzeRpcFun; https://github.com/pulumi/pulumi-policy/pull/180).
 * Violations the validation reported before throwing are kept. So each policy first runs every
 * check it can, then throws {@link NotCheckedDuringPreview} naming the checks it had to skip.
 */
import * as policySdk from "@pulumi/policy";

type UnknownValueErrorClass = new (unknownTypeSentinel: string, path: string[]) => Error;

/** Exported by @pulumi/policy's index at run time; its typings mark the class internal. */
const UnknownValueError = (policySdk as unknown as { UnknownValueError?: UnknownValueErrorClass }).UnknownValueError;
if (typeof UnknownValueError !== "function") {
  throw new Error("@pulumi/policy no longer exports UnknownValueError; policy/lib/preview.ts needs another mechanism.");
}

/** The engine's sentinel for an unknown string (what a Node.js program's unknowns arrive as). */
const UNKNOWN_STRING_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const NOT_CHECKED_SUFFIX = "could not be checked during preview; checked at `pulumi up`.";

/** Thrown once per policy and resource, after every check that could run has run. */
export class NotCheckedDuringPreview extends UnknownValueError {
  /** What could not be checked, e.g. `Policy document` or `memorySize`. */
  readonly subjects: readonly string[];

  constructor(subjects: readonly string[]) {
    super(UNKNOWN_STRING_SENTINEL, []);
    this.name = "NotCheckedDuringPreview";
    this.subjects = subjects;
    this.message = notCheckedMessage(subjects);
  }
}

export function notCheckedMessage(subjects: readonly string[]): string {
  return `${subjects.join("; ")}: ${NOT_CHECKED_SUFFIX}`;
}

/** The class @pulumi/policy's server recognizes (for the test harness). */
export const PolicyUnknownValueError: UnknownValueErrorClass = UnknownValueError;
