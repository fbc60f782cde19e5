/** The request record as first written: validated input, its stages, zero counts, a TTL. Pure. */
import type { ExecutionInput, StageRecord } from "../../core/model";
import type { NewRequestRecord } from "../../core/ports";
import type { OpenRequestEvent, StageLayout } from "../../core/payloads";
import { notAskedPerStage } from "../../core/self-approval";

const SECONDS_PER_DAY = 86_400;

function stageRecordOf(layout: StageLayout, notAsked: readonly string[] = []): StageRecord {
  const approvers = layout.approvers.filter((name) => !notAsked.includes(name));
  const advisors = layout.advisors.filter((name) => !notAsked.includes(name));
  const voters = approvers.length;
  // The definition builder passes these from validated config; a mismatch is a deployment bug.
  if (voters + advisors.length + notAsked.length === 0)
    throw new Error(`open-request: stage ${layout.name} has no approvers`);
  const quorumOk =
    voters === 0
      ? layout.quorum === 0
      : Number.isInteger(layout.quorum) && layout.quorum >= 1 && layout.quorum <= voters;
  if (!quorumOk)
    throw new Error(`open-request: quorum ${layout.quorum} of stage ${layout.name} must be from 1 to ${voters}`);
  const record: StageRecord = {
    name: layout.name,
    quorum: layout.quorum,
    approvers,
    advisors,
    approvals: 0,
    rejections: 0,
    misses: 0,
    declined: 0,
    votes: {},
    asks: {},
  };
  if (notAsked.length > 0) record.notAsked = [...notAsked];
  // The map must exist for the store to add a backup's ask to it.
  if ((layout.backups ?? []).length > 0) record.backupAsks = {};
  return record;
}

/**
 * The TTL from the moment the record opens: the longest the request can stay open (every stage
 * waiting its whole deadline, plus a day for retries) and then the retention. Closing replaces it
 * with closedAt + retention; an execution that never closes still disappears.
 */
export function initialExpiry(event: OpenRequestEvent, retentionDays: number): number {
  const waits = event.stages.reduce((sum, stage) => sum + stage.timeoutSeconds, 0);
  return Math.floor(Date.parse(event.startedAt) / 1000) + waits + SECONDS_PER_DAY + retentionDays * SECONDS_PER_DAY;
}

export function newRequestRecord(
  requestId: string,
  input: ExecutionInput,
  event: OpenRequestEvent,
  retentionDays: number,
): NewRequestRecord {
  if (!Array.isArray(event.stages) || event.stages.length === 0)
    throw new Error("open-request: stages must be a non-empty list");
  // Throws Approval.QuorumUnreachable when the requester's absence leaves a stage unable to decide.
  const notAsked = notAskedPerStage(event.stages, event.people ?? {}, input.requestedBy, event.selfApproval ?? "deny");
  return {
    requestId,
    status: "open",
    ...input,
    executionArn: event.executionArn,
    stages: event.stages.map((layout, index) => stageRecordOf(layout, notAsked[index])),
    openedAt: event.startedAt,
    expiresAt: initialExpiry(event, retentionDays),
    ...(event.selfApproval === "allow" ? { selfApproval: "allow" as const } : {}),
  };
}
