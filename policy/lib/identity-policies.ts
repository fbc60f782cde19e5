/**
 * Where identity-based IAM policy documents live on @pulumi/aws resources: inline policies
 * on a Role, and the `policy` of RolePolicy, Policy, UserPolicy and GroupPolicy.
 */
import { parsePolicyDocument, PolicyStatement, statementName } from "./iam-document";
import { ResourceTypes } from "./resource-types";
import { isUnknown } from "./unknown";

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
    if (!Array.isArray(inline)) return []; // absent, or unknown during preview
    return inline.flatMap((entry, i): PolicyDocumentSource[] => {
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

/**
 * The Allow statements of every identity policy on the resource. Documents that are absent,
 * unknown during preview or malformed are skipped here (iam-no-wildcard-actions reports
 * malformed ones).
 */
export function allowStatements(type: string, props: Record<string, unknown>): SourcedStatement[] {
  const result: SourcedStatement[] = [];
  for (const source of identityPolicyDocuments(type, props)) {
    const parsed = parsePolicyDocument(source.document);
    if (parsed.kind !== "document") continue;
    for (const statement of parsed.statements) {
      if (statement.effect !== "Allow") continue;
      result.push({ statement, where: `${capitalize(source.description)}, ${statementName(statement)}` });
    }
  }
  return result;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
