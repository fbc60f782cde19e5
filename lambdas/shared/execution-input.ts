/**
 * Validation of the execution input (what a caller passes to StartExecution). Pure and
 * dependency-free. A rejected input throws an Error named `Approval.InvalidInput`: Lambda reports
 * the error's name as its error type, so the state machine (and the caller reading the failed
 * execution) see that name and a message naming the field and the rule.
 */
import { INVALID_INPUT_ERROR, type ExecutionInput } from "./model";

export const INPUT_LIMITS = {
  subject: 200,
  details: 4000,
  reviewUrl: 2000,
  requestedBy: 200,
} as const;

type Field = keyof typeof INPUT_LIMITS;
const FIELDS = Object.keys(INPUT_LIMITS) as Field[];

// Control characters break one-line fields (mail subjects, page headings). Details may span lines.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const CONTROL_CHARS_EXCEPT_LINE_BREAKS_AND_TABS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = INVALID_INPUT_ERROR;
  }
}

function fail(message: string): never {
  throw new InvalidInputError(message);
}

function checkString(field: Field, value: unknown): string {
  if (typeof value !== "string") fail(`${field} must be a string`);
  const limit = INPUT_LIMITS[field];
  if (value.length > limit) fail(`${field} must be at most ${limit} characters (got ${value.length})`);
  const forbidden = field === "details" ? CONTROL_CHARS_EXCEPT_LINE_BREAKS_AND_TABS : CONTROL_CHARS;
  if (forbidden.test(value)) fail(`${field} must not contain control characters`);
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
    fail("execution input must be a JSON object");
  }
  const record = input as Record<string, unknown>;
  // Unknown fields are rejected so a misspelt optional field (e.g. reviewURL) is not silently dropped.
  const unknown = Object.keys(record).filter((key) => !(FIELDS as string[]).includes(key));
  if (unknown.length > 0) fail(`unknown field ${unknown[0]} (allowed: ${FIELDS.join(", ")})`);

  if (record.subject === undefined) fail("subject is required");
  const subject = checkString("subject", record.subject);
  if (subject.trim() === "") fail("subject must not be empty");

  const result: ExecutionInput = { subject };
  if (record.details !== undefined) result.details = checkString("details", record.details);
  if (record.reviewUrl !== undefined) {
    result.reviewUrl = checkString("reviewUrl", record.reviewUrl);
    checkHttpsUrl(result.reviewUrl);
  }
  if (record.requestedBy !== undefined) result.requestedBy = checkString("requestedBy", record.requestedBy);
  return result;
}
