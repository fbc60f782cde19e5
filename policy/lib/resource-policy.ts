/**
 * Resource-based policies (SQS queue policies, SNS topic policies): who, outside the account's
 * own identities, may use the resource.
 *
 * `"Principal": "*"` and `"Principal": {"AWS": "*"}` both mean everyone, anonymous callers
 * included (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous).
 * Granting a service like that is safe only with a condition that names the source: aws:SourceArn
 * or aws:SourceAccount, as AWS advises against the confused deputy
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
 */
import { hasUnknown, knownValues, toStringList } from "./iam-document";
import { hasWildcard } from "./iam-actions";
import { allowStatementsOf, PolicyDocumentSource } from "./identity-policies";
import { isUnknown } from "./unknown";
import { ResourceCheck } from "./validate";

const SOURCE_KEYS = ["aws:sourcearn", "aws:sourceaccount"];

/**
 * Operators that restrict a single-valued key to the listed values. Not the `...IfExists`
 * variants (true when the key is missing), not `Null`, not the negated operators, and not the
 * `ForAllValues:`/`ForAnyValue:` set operators (meant for multivalued keys; `ForAllValues:` is
 * true when the key is missing), see
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html.
 */
const RESTRICTING_OPERATORS = ["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"];

/**
 * Reports every Allow statement of the document that grants everyone without a source
 * condition. The document's own problems (not JSON, no Statement) are reported too: no other
 * policy of the pack reads resource-based policies.
 */
export function checkNoPublicPrincipal(source: PolicyDocumentSource, check: ResourceCheck): void {
  const statements = allowStatementsOf(source, {
    notChecked: check.notChecked,
    invalid: (_source, reason) =>
      check.report(`The ${source.description} is not a valid IAM policy document: ${reason}.`),
  });
  for (const { statement, where } of statements) {
    if (statement.notPrincipal !== undefined) {
      check.report(
        `${where}: combines Allow with NotPrincipal, which grants every principal not listed; name the principal in Principal.`,
      );
      continue;
    }
    const everyone = grantsEveryone(statement.principal);
    if (everyone === "unknown") check.notChecked(`${where}: Principal`);
    if (everyone !== "yes") continue;
    const restriction = sourceRestriction(statement.condition);
    if (restriction === "unknown") check.notChecked(`${where}: Condition`);
    if (restriction === "none") {
      check.report(
        `${where}: grants everyone ("Principal": "*") without an aws:SourceArn or aws:SourceAccount condition; name the principal, or add a condition on the source.`,
      );
    }
  }
}

/** Whether the Principal element includes `*` (anyone), whatever the key (`AWS`, `Service`, ...). */
function grantsEveryone(principal: unknown): "yes" | "no" | "unknown" {
  if (isUnknown(principal)) return "unknown";
  if (typeof principal === "string") return principal.includes("*") ? "yes" : "no";
  if (principal === null || typeof principal !== "object") return "no";
  let someUnknown = false;
  for (const value of Object.values(principal as Record<string, unknown>)) {
    const list = toStringList(value);
    if (knownValues(list).some((name) => name.includes("*"))) return "yes";
    if (hasUnknown(list)) someUnknown = true;
  }
  return someUnknown ? "unknown" : "no";
}

/** Whether the Condition restricts the request to named sources (aws:SourceArn, aws:SourceAccount). */
export function sourceRestriction(condition: unknown): "restricted" | "none" | "unknown" {
  if (isUnknown(condition)) return "unknown";
  if (condition === null || typeof condition !== "object") return "none";
  let someUnknown = false;
  for (const [operator, block] of Object.entries(condition as Record<string, unknown>)) {
    if (!RESTRICTING_OPERATORS.includes(operator.toLowerCase())) continue;
    if (isUnknown(block)) {
      someUnknown = true;
      continue;
    }
    if (block === null || typeof block !== "object") continue;
    for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
      const name = key.toLowerCase();
      if (!SOURCE_KEYS.includes(name)) continue;
      const values = toStringList(value);
      if (hasUnknown(values)) {
        someUnknown = true;
        continue;
      }
      const known = knownValues(values);
      const restricts = name === "aws:sourceaccount" ? isAccountId : namesASource;
      if (known.length > 0 && known.every(restricts)) return "restricted";
    }
  }
  return someUnknown ? "unknown" : "none";
}

export function isAccountId(value: string): boolean {
  return /^\d{12}$/.test(value);
}

/**
 * An ARN that names a source: `arn:partition:service:region:account:resource` with no wildcard
 * in partition, service or account, and a resource that is more than wildcards (API Gateway's
 * `arn:aws:execute-api:eu-west-1:123456789012:abc123/*` names one API; `arn:aws:sns:*:*:*` names none).
 */
export function namesASource(value: string): boolean {
  const parts = value.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return false;
  const [, partition, service, , account] = parts;
  const resource = parts.slice(5).join(":");
  if ([partition, service, account].some(hasWildcard) || partition === "" || service === "") return false;
  return resource !== "" && !/^[*?/]*$/.test(resource);
}
