/** The request record as first written: validated input, identity, zero counts. Pure. */
import type { ExecutionInput, OpenRequestEvent } from "../shared/model";
import type { NewRequestRecord } from "../shared/store";

export function newRequestRecord(requestId: string, input: ExecutionInput, event: OpenRequestEvent): NewRequestRecord {
  const { approvers, quorum } = event;
  // The definition builder passes these from validated config; a mismatch here is a deployment bug.
  if (!Array.isArray(approvers) || approvers.length === 0)
    throw new Error("open-request: approvers must be a non-empty list");
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > approvers.length) {
    throw new Error(`open-request: quorum ${quorum} must be between 1 and ${approvers.length}`);
  }
  return {
    requestId,
    status: "open",
    ...input,
    executionArn: event.executionArn,
    approvers,
    quorum,
    approvals: 0,
    rejections: 0,
    expirations: 0,
    votes: {},
    asks: {},
    openedAt: event.startedAt,
  };
}
