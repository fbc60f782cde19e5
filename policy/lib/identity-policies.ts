/**
 * Where identity-based IAM policy documents live on @pulumi/aws resources: inline policies
 * on a Role, and the `policy` of RolePolicy, Policy, UserPolicy and GroupPolicy. Also the
 * reading of any document's Allow statements (trust and resource-based policies included),
 * recording what is unknown during preview.
 */
import { parsePolicyDocument, PolicyStatement, statementName } from "./iam-document";
import { ResourceTypes } from "./resource-types";
import { isUnknown, UNKNOWN } from "./unknown";

export interface PolicyDocumentSource {
  /** Names the document in messages, e.g. `inline policy "publish"`. */
  description: string;
  document: unknown;
}

const STANDALONE_POLICY_TYPES: ReadonlySet<string> = new Set([
  ResourceTypes.rolePolicy,
  ResourceTypes.policy,
  ResourceTypes.userPolicy,
  ResourceTypes.groupPolicy,
]);

/** Every resource type that carries identity-based policy documents. */
export const IDENTITY_POLICY_TYPES: readonly string[] = [ResourceTypes.role, ...STANDALONE_POLICY_TYPES];

export function identityPolicyDocuments(type: string, props: Record<string, unknown>): PolicyDocumentSource[] {
  if (STANDALONE_POLICY_TYPES.has(type)) {
    return [{ description: "policy document", document: props.policy }];
  }
  if (type === ResourceTypes.role) {
    const inline = props.inlinePolicies;
    if (isUnknown(inline)) return [{ description: "inline policies", document: UNKNOWN }];
    if (!Array.isArray(inline)) return [];
    return inline.flatMap((entry, i): PolicyDocumentSource[] => {
      if (isUnknown(entry)) return [{ description: `inline policy #${i + 1}`, document: UNKNOWN }];
      if (entry === null || typeof entry !== "object") return [];
      const { name, policy } = entry as Record<string, unknown>;
      const label = typeof name === "string" && !isUnknown(name) ? `"${name}"` : `#${i + 1}`;
      return [{ description: `inline policy ${label}`, document: policy }];
    });
  }
  return [];
}

export interface SourcedStatement {
  statement: PolicyStatement;
  /** Prefix for a violation message: `Inline policy "publish", statement "Sid"`. */
  where: string;
}

export interface StatementVisitor {
  /** Records what could not be read during preview (a document, a statement, an Effect). */
  notChecked(subject: string): void;
  /** Called for a malformed document (only iam-no-wildcard-actions reports those). */
  invalid?(source: PolicyDocumentSource, reason: string): void;
}

/**
 * The Allow statements of every identity policy on the resource. A document, statement or
 * Effect unknown during preview is recorded as not checked; absent documents are skipped, and
 * malformed ones are handed to `visitor.invalid`.
 */
export function allowStatements(
  type: string,
  props: Record<string, unknown>,
  visitor: StatementVisitor,
): SourcedStatement[] {
  const result: SourcedStatement[] = [];
  for (const source of identityPolicyDocuments(type, props)) {
    result.push(...allowStatementsOf(source, visitor));
  }
  return result;
}

/** The Allow statements of one policy document (identity- or resource-based), see {@link allowStatements}. */
export function allowStatementsOf(source: PolicyDocumentSource, visitor: StatementVisitor): SourcedStatement[] {
  const parsed = parsePolicyDocument(source.document);
  const label = capitalize(source.description);
  if (parsed.kind === "unknown") visitor.notChecked(label);
  if (parsed.kind === "invalid") visitor.invalid?.(source, parsed.reason);
  if (parsed.kind !== "document") return [];
  for (const position of parsed.unknownStatements) visitor.notChecked(`${label}, statement #${position}`);
  const result: SourcedStatement[] = [];
  for (const statement of parsed.statements) {
    const where = `${label}, ${statementName(statement)}`;
    if (statement.effect === UNKNOWN) visitor.notChecked(`${where}: Effect`);
    if (statement.effect !== "Allow") continue;
    result.push({ statement, where });
  }
  return result;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
