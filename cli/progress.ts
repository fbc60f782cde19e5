/**
 * Progress of a running request, read from its execution history (GetExecutionHistory), which
 * needs the same kind of permission as DescribeExecution, on the same executions: no access to
 * the request store (whose records hold the approvers' link ids) and nothing else. Pure.
 *
 * What the history shows, state names being those of core/definition.ts:
 *  - `ParallelStateEntered` "Stage <n> <name>": the stage opened;
 *  - `TaskStateEntered` "Ask <approver> in stage <n>": the approver is being asked;
 *  - the ask's `TaskSucceeded`: a decision that did not end the stage, its output the
 *    BranchResult SendTaskSuccess sent (approver, decision, decidedBy, decidedAt, channel);
 *  - the ask's `TaskFailed` with a signal error (Approval.QuorumReached, .Rejected, .Expired):
 *    the decision that ended the stage;
 *  - "No decision <approver> in stage <n>": an approver's part ended without a verdict; its
 *    `TaskSucceeded` output says what was recorded, its `TaskFailed` with a signal error that it
 *    ended the stage, and its scheduled parameters carry the error that ended the ask.
 * A task's end is tied to its state by following `previousEventId` back to the state's entry
 * (Step Functions chains each event to the one before it in the same branch).
 * The execution output, once there, is the authoritative list; this is what is known meanwhile.
 */
import { noVerdictOf } from "../core/channel-spec";
import { SIGNAL_ERRORS } from "../core/errors";
import type { Decision, NoVerdict } from "../core/model";

/** The part of a history event this reads (the SDK's HistoryEvent fits). */
export interface HistoryEventLike {
  id?: number;
  previousEventId?: number;
  type?: string;
  stateEnteredEventDetails?: { name?: string };
  taskScheduledEventDetails?: { parameters?: string };
  taskSucceededEventDetails?: { output?: string };
  taskFailedEventDetails?: { error?: string; cause?: string };
}

export type StageEnd = "approved" | "rejected" | "expired";

export interface ProgressDecision {
  stage: number;
  stageName?: string;
  approver: string;
  decision: Decision;
  decidedBy?: string;
  decidedAt?: string;
  channel?: string;
  /** This decision ended the stage so. */
  endedStage?: StageEnd;
}

export type ProgressItem =
  | { kind: "stageOpened"; stage: number; name: string }
  | { kind: "asked"; stage: number; approver: string }
  | ({ kind: "decision" } & ProgressDecision);

const STAGE_STATE = /^Stage (\d+) (\S+)$/;
const ASK_STATE = /^Ask (\S+) in stage (\d+)$/;
const NO_DECISION_STATE = /^No decision (\S+) in stage (\d+)$/;

const SIGNAL_END: Record<string, StageEnd> = {
  [SIGNAL_ERRORS.quorumReached]: "approved",
  [SIGNAL_ERRORS.rejected]: "rejected",
  [SIGNAL_ERRORS.expired]: "expired",
};
/** The verdict behind a signal an approver's own decision raised. */
const SIGNAL_DECISION: Record<StageEnd, Decision> = { approved: "approve", rejected: "reject", expired: "expired" };

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const DECISIONS: readonly string[] = ["approve", "reject", "expired", "unreachable", "failed", "abstained"];
const isDecision = (value: unknown): value is Decision => typeof value === "string" && DECISIONS.includes(value);

/** Follows the progress of one execution across polls: give it the whole history each time. */
export class ProgressReader {
  private readonly reported = new Set<string>();
  private readonly stageNames = new Map<number, string>();
  readonly decisions: ProgressDecision[] = [];

  /** The items not reported before, in history order. */
  read(events: readonly HistoryEventLike[]): ProgressItem[] {
    const byId = new Map(events.filter((e) => e.id !== undefined).map((e) => [e.id!, e]));
    const items: ProgressItem[] = [];
    for (const event of [...byId.values()].sort((a, b) => a.id! - b.id!)) {
      const item = this.itemOf(event, byId);
      if (item === undefined) continue;
      const key = item.kind === "stageOpened" ? `s${item.stage}` : `${item.kind}:${item.stage}:${item.approver}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      if (item.kind === "decision") this.decisions.push(withoutKind(item));
      items.push(item);
    }
    return items;
  }

  private itemOf(event: HistoryEventLike, byId: Map<number, HistoryEventLike>): ProgressItem | undefined {
    const entered = event.stateEnteredEventDetails?.name;
    if (event.type === "ParallelStateEntered" && entered !== undefined) {
      const match = STAGE_STATE.exec(entered);
      if (match === null) return undefined;
      const stage = Number(match[1]) - 1;
      this.stageNames.set(stage, match[2]);
      return { kind: "stageOpened", stage, name: match[2] };
    }
    if (event.type === "TaskStateEntered" && entered !== undefined) {
      const match = ASK_STATE.exec(entered);
      return match === null ? undefined : { kind: "asked", stage: Number(match[2]) - 1, approver: match[1] };
    }
    if (event.type !== "TaskSucceeded" && event.type !== "TaskFailed") return undefined;
    const chain = chainOf(event, byId);
    const state = chain.entered?.stateEnteredEventDetails?.name ?? "";
    const ask = ASK_STATE.exec(state);
    if (ask !== null) return this.askEnded(event, ask[1], Number(ask[2]) - 1);
    const noDecision = NO_DECISION_STATE.exec(state);
    if (noDecision !== null)
      return this.noDecisionEnded(event, chain.scheduled, noDecision[1], Number(noDecision[2]) - 1);
    return undefined;
  }

  private base(stage: number, approver: string) {
    const stageName = this.stageNames.get(stage);
    return { kind: "decision" as const, stage, approver, ...(stageName === undefined ? {} : { stageName }) };
  }

  private askEnded(event: HistoryEventLike, approver: string, stage: number): ProgressItem | undefined {
    if (event.type === "TaskSucceeded") {
      const result = parseJson(event.taskSucceededEventDetails?.output);
      if (!isRecord(result) || !isDecision(result.decision)) return undefined;
      const optional = (field: "decidedBy" | "decidedAt" | "channel") =>
        typeof result[field] === "string" ? { [field]: result[field] as string } : {};
      return {
        ...this.base(stage, approver),
        decision: result.decision,
        ...optional("decidedBy"),
        ...optional("decidedAt"),
        ...optional("channel"),
      };
    }
    const ended = SIGNAL_END[event.taskFailedEventDetails?.error ?? ""];
    if (ended === undefined) return undefined; // the ask ended without a decision: "No decision" follows
    return { ...this.base(stage, approver), decision: SIGNAL_DECISION[ended], endedStage: ended };
  }

  private noDecisionEnded(
    event: HistoryEventLike,
    scheduled: HistoryEventLike | undefined,
    approver: string,
    stage: number,
  ): ProgressItem | undefined {
    if (event.type === "TaskSucceeded") {
      const payload = (parseJson(event.taskSucceededEventDetails?.output) as { Payload?: { decision?: unknown } })
        ?.Payload;
      return isDecision(payload?.decision) ? { ...this.base(stage, approver), decision: payload.decision } : undefined;
    }
    const ended = SIGNAL_END[event.taskFailedEventDetails?.error ?? ""];
    if (ended === undefined) return undefined;
    const parameters = parseJson(scheduled?.taskScheduledEventDetails?.parameters) as
      { Payload?: { error?: { Error?: string; Cause?: string }; as?: NoVerdict } } | undefined;
    const error = parameters?.Payload?.error;
    const decision =
      error?.Error === undefined ? "expired" : noVerdictOf(error.Error, error.Cause, parameters?.Payload?.as).decision;
    return { ...this.base(stage, approver), decision, endedStage: ended };
  }
}

function withoutKind(item: Extract<ProgressItem, { kind: "decision" }>): ProgressDecision {
  const { kind: _kind, ...decision } = item;
  return decision;
}

/** The task's scheduling and its state's entry, found by walking back through previousEventId. */
function chainOf(event: HistoryEventLike, byId: Map<number, HistoryEventLike>) {
  let scheduled: HistoryEventLike | undefined;
  let current = event;
  for (let steps = 0; steps < 20; steps++) {
    const previous = current.previousEventId === undefined ? undefined : byId.get(current.previousEventId);
    if (previous === undefined) return { scheduled };
    if (previous.type === "TaskScheduled") scheduled ??= previous;
    if (previous.type?.endsWith("StateEntered")) return { scheduled, entered: previous };
    current = previous;
  }
  return { scheduled };
}
