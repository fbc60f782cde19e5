/**
 * Validation of the execution input (what a caller passes to StartExecution). Pure. A rejected
 * input throws `Approval.InvalidInput` with a message naming the field and the rule; Lambda
 * reports the error's name as its type, so the failed execution carries both.
 */
import { INVALID_INPUT_ERROR, WorkflowError } from "./errors";
import { INPUT_LIMITS } from "./limits";
import type { ExecutionInput } from "./model";
import { ANY_CONTROL, CONTROL_EXCEPT_NEWLINE } from "./text";

type Field = keyof typeof INPUT_LIMITS;
const FIELDS = Object.keys(INPUT_LIMITS) as Field[];

/** Only `details` may span lines; every other field is one line. */
const MULTILINE: ReadonlySet<Field> = new Set(["details"]);

export class InvalidInputError extends WorkflowError {
  constructor(message: string) {
    super(INVALID_INPUT_ERROR, message);
  }
}

function fail(message: string): never {
  throw new InvalidInputError(message);
}

function describeControl(value: string, pattern: RegExp): string {
  const index = value.search(pattern);
  const code = value.codePointAt(index)!.toString(16).toUpperCase().padStart(4, "0");
  return `U+${code} at position ${index + 1}`;
}

function checkString(field: Field, value: unknown): string {
  if (typeof value !== "string") fail(`${field} must be a string`);
  const limit = INPUT_LIMITS[field];
  if (value.length > limit) fail(`${field} must be at most ${limit} characters (got ${value.length})`);
  const forbidden = MULTILINE.has(field) ? CONTROL_EXCEPT_NEWLINE : ANY_CONTROL;
  if (forbidden.test(value)) {
    const allowed = MULTILINE.has(field) ? "only newline is allowed" : "it must be one line of text";
    fail(`${field} must not contain control characters (found ${describeControl(value, forbidden)}; ${allowed})`);
  }
  return value;
}

function checkHttpsUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail("reviewUrl must be an absolute https URL");
  }
  if (url.protocol !== "https:") fail(`reviewUrl must be an absolute https URL (got scheme ${url.protocol})`);
  if (url.username || url.password) fail("reviewUrl must not contain credentials");
}

/** The validated input with only the known fields, or throws `Approval.InvalidInput`. */
export function validateExecutionInput(input: unknown): ExecutionInput {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    fail('execution input must be a JSON object with a "subject" string, e.g. {"subject": "Deploy v2 to production"}');
  }
  const record = input as Record<string, unknown>;
  // Unknown fields are refused so a misspelt optional field (e.g. reviewURL) is not silently dropped.
  const unknown = Object.keys(record).filter((key) => !(FIELDS as string[]).includes(key));
  if (unknown.length > 0) fail(`unknown field ${unknown[0]} (allowed: ${FIELDS.join(", ")})`);

  if (record.subject === undefined) fail("subject is required");
  const subject = checkString("subject", record.subject);
  if (subject.trim() === "") fail("subject must not be empty");

  const result: ExecutionInput = { subject };
  for (const field of ["details", "reviewUrl", "requestedBy", "change"] as const) {
    if (record[field] !== undefined) result[field] = checkString(field, record[field]);
  }
  if (result.reviewUrl !== undefined) checkHttpsUrl(result.reviewUrl);
  return result;
}
