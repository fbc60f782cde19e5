/**
 * Identifiers. An ask id is the approval page's capability: whoever holds it can decide for one
 * approver of one stage of one request, so it must be unguessable: 256 random bits from the OS
 * CSPRNG, base64url without padding (43 URL-safe characters).
 *
 * A request id is derived from its execution ARN, so whatever knows the execution (the close
 * that follows an aborted execution, a retried open) finds the same record. It grants nothing.
 */
import { createHash, randomBytes } from "node:crypto";

const ID_BYTES = 32;
const WELL_FORMED_ID = /^[A-Za-z0-9_-]{43}$/;

export function freshId(): string {
  return randomBytes(ID_BYTES).toString("base64url");
}

/** True for strings shaped like a `freshId()`: checked before any lookup so junk never reaches the store. */
export function isWellFormedId(value: unknown): value is string {
  return typeof value === "string" && WELL_FORMED_ID.test(value);
}

export function requestIdFor(executionArn: string): string {
  return createHash("sha256").update(`parallel-approval:${executionArn}`, "utf8").digest("base64url");
}
