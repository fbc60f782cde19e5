/**
 * The numbers the whole program agrees on, each with the reason it has its value. Config
 * validation, the handlers, the page, the sandbox and the tests read them from here.
 */

/**
 * Approver entries across all stages of one stack (the same person in two stages counts twice).
 * Why 50: the notify role lists every link approver's topic ARN (~90 characters) one by one, and
 * the SSM automation role every iam approver's; IAM limits a role's inline policies to 10,240
 * characters (white space not counted), and 50 topics take about half of it, leaving room for
 * longer Region names (tests/iam-policy-size.spec.ts). Each entry is also a branch of a Parallel
 * state and a line of the execution output, which must stay under Step Functions' 256 KiB in the
 * worst case (every comment at its byte cap; tests prove it).
 */
export const MAX_APPROVERS = 50;

/** Stages per request: a sequence longer than this is a process, not an approval. */
export const MAX_STAGES = 10;

/** Stage and approver names: they appear in state names, which Step Functions caps at 80 characters. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const NAME_RULE = "1-32 characters of a-z, 0-9 and '-', starting with a letter or digit";

export const DEFAULT_APPROVAL_TIMEOUT = "7d";
export const MIN_APPROVAL_TIMEOUT_SECONDS = 60;

/**
 * A Standard execution lasts at most one year; every stage's wait must fit in it, with room for
 * opening and closing the request.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const MAX_EXECUTION_WAIT_SECONDS = 364 * 24 * 3600;

/**
 * Step Functions caps a state's or an execution's input and output at 256 KiB of UTF-8.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * A state machine's definition may be at most 1 MB (a hard quota): the largest stack config
 * allows must stay under it, or `pulumi up` would fail at the state machine after creating the
 * rest. Counted here as 1,000,000 bytes of UTF-8, the stricter reading of "1 MB".
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const MAX_DEFINITION_BYTES = 1_000_000;

/** A comment as a person types it: the page's textarea counts characters (UTF-16 code units). */
export const MAX_COMMENT_CHARS = 1000;
/**
 * A comment as stored and returned, in UTF-8 bytes of its JSON form (a newline costs two). Keeps
 * the worst-case execution output of MAX_APPROVERS decisions, each listed twice (per stage and
 * flat), under MAX_PAYLOAD_BYTES. 1,000 characters of Latin text always fit; a comment in a
 * script of 3-byte characters (e.g. CJK) is cut at about 500.
 */
export const MAX_COMMENT_BYTES = 1500;

/** `decidedBy` and failure reasons as stored: bounded so the output-size bound holds. */
export const MAX_DECIDED_BY_CHARS = 256;
export const MAX_REASON_CHARS = 300;

/** What a caller may pass to StartExecution, per field, in characters. */
export const INPUT_LIMITS = {
  subject: 200,
  details: 4000,
  reviewUrl: 2000,
  requestedBy: 200,
  change: 200,
} as const;

export const DEFAULT_RECORD_RETENTION_DAYS = 30;
export const DEFAULT_LOG_RETENTION_DAYS = 90;

/** Every function of the workflow: small handlers that wait on nothing but one AWS call at a time. */
export const FUNCTION_MEMORY_MB = 256;
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 10;
