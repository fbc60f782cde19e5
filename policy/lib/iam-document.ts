/**
 * Parses IAM policy documents as the engine hands them to the pack: a JSON string (what
 * `JSON.stringify` / `pulumi.jsonStringify` produce) or an object (what
 * `aws.iam.getPolicyDocument` style inputs and `PolicyDocument` objects produce), possibly
 * with values unknown during preview anywhere inside.
 */
import { isUnknown, UNKNOWN, Unknown } from "./unknown";

/** A field such as Action or Resource: a list of strings, some of which may be unknown. */
export type StringListField = Array<string | Unknown> | Unknown | undefined;

export interface PolicyStatement {
  /** Position in the document, from 1. */
  position: number;
  sid?: string;
  /** "Allow", "Deny", UNKNOWN, or whatever else the document says. */
  effect: unknown;
  action: StringListField;
  notAction: StringListField;
  resource: StringListField;
  notResource: StringListField;
  principal: unknown;
  notPrincipal: unknown;
  condition: unknown;
}

export type ParsedPolicyDocument =
  | { kind: "absent" }
  | { kind: "unknown" }
  | { kind: "invalid"; reason: string }
  | {
      kind: "document";
      statements: PolicyStatement[];
      /** Positions (from 1) of statements that are entirely unknown during preview. */
      unknownStatements: number[];
    };

export function parsePolicyDocument(value: unknown): ParsedPolicyDocument {
  if (value === undefined || value === null || value === "") return { kind: "absent" };
  if (isUnknown(value)) return { kind: "unknown" };
  let document: unknown = value;
  if (typeof value === "string") {
    try {
      document = JSON.parse(value);
    } catch {
      return { kind: "invalid", reason: "it is not valid JSON" };
    }
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    return { kind: "invalid", reason: "it is not a JSON object" };
  }
  const rawStatements = (document as Record<string, unknown>).Statement;
  if (isUnknown(rawStatements)) return { kind: "unknown" };
  if (rawStatements === undefined) return { kind: "invalid", reason: "it has no Statement" };
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  const statements: PolicyStatement[] = [];
  const unknownStatements: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const raw = list[i];
    // An unknown statement cannot be checked; the others still are.
    if (isUnknown(raw)) {
      unknownStatements.push(i + 1);
      continue;
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      return { kind: "invalid", reason: `statement #${i + 1} is not an object` };
    }
    statements.push(toStatement(raw as Record<string, unknown>, i + 1));
  }
  return { kind: "document", statements, unknownStatements };
}

function toStatement(raw: Record<string, unknown>, position: number): PolicyStatement {
  return {
    position,
    sid: typeof raw.Sid === "string" && !isUnknown(raw.Sid) ? raw.Sid : undefined,
    effect: isUnknown(raw.Effect) ? UNKNOWN : raw.Effect,
    action: toStringList(raw.Action),
    notAction: toStringList(raw.NotAction),
    resource: toStringList(raw.Resource),
    notResource: toStringList(raw.NotResource),
    principal: raw.Principal,
    notPrincipal: raw.NotPrincipal,
    condition: raw.Condition,
  };
}

/** IAM accepts a single string or a list of strings wherever a list is expected. */
export function toStringList(value: unknown): StringListField {
  if (value === undefined || value === null) return undefined;
  if (isUnknown(value)) return UNKNOWN;
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => (isUnknown(item) ? UNKNOWN : String(item)));
}

/** The known strings of a list field (unknown entries left out). */
export function knownValues(field: StringListField): string[] {
  if (field === undefined || field === UNKNOWN) return [];
  return field.filter((item): item is string => item !== UNKNOWN);
}

/** True when the field, or one of its entries, is unknown during preview. */
export function hasUnknown(field: StringListField): boolean {
  return field === UNKNOWN || (Array.isArray(field) && field.some((item) => item === UNKNOWN));
}

/** `Statement "Sid"` or `Statement #2`, for messages. */
export function statementName(statement: PolicyStatement): string {
  return statement.sid ? `statement "${statement.sid}"` : `statement #${statement.position}`;
}
