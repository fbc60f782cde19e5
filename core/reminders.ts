/**
 * Reminders and backups of one approver, planned inside the state machine (no scheduler, nothing
 * per request outside the execution). The approver's ask waits at most until the next follow-up;
 * when that wait times out, the follow-up step (record-expiry in planning mode) decides what this
 * wake-up does and how long the next wait is, and the ask is sent again with a fresh task token
 * behind the same link:
 *
 *   Ask <a> (TimeoutSeconds: the first follow-up) ─States.Timeout→ Follow up <a> ─→ Ask <a> again
 *        (TimeoutSecondsPath: the plan's wait) ─States.Timeout→ Follow up <a> ─→ … until the deadline,
 *   where the follow-up raises Approval.WaitOver and the no-decision step records the expiry.
 *
 * Everything is measured from the approver's first ask (its `createdAt`; its `deadline` is that
 * plus the stage's timeout): reminders at every multiple of `remindEvery`, the backup at
 * `escalateAfter`, the deadline at the stage's timeout. A plan carries the offset it wakes up at,
 * so each wake-up knows exactly what it is for, however late its Lambda ran. Pure.
 */
import { WorkflowError } from "./errors";

/** The follow-up step's error when there is nothing more to wait for: the no-decision step takes over. */
export const WAIT_OVER_ERROR = "Approval.WaitOver";

export interface FollowUpRules {
  /** The stage's time to decide, in seconds. */
  timeoutSeconds: number;
  remindEverySeconds?: number;
  /** Present when the approver has a backup that may be asked. */
  escalateAfterSeconds?: number;
}

/** What one wake-up does; the ask function (notify-approver) carries it out. */
export interface FollowUpPlan {
  /** Seconds after the first ask at which this wake-up was planned. */
  at: number;
  /** How long the ask waits now, in seconds (TimeoutSecondsPath); at least 1. */
  waitSeconds: number;
  /** The approver's deadline, unchanged since the first ask (ISO 8601). */
  deadline: string;
  /** Send the approver their link again (and the backup theirs, once asked). */
  remind: boolean;
  /** Ask the backup now, for the rest of the deadline. */
  escalate: boolean;
  /** The backup was asked at an earlier wake-up. */
  escalated: boolean;
  /** Which reminder this is (1 for the first); 0 when this wake-up is no reminder. */
  reminder: number;
}

/** Whether an approver's branch follows up at all (reminders configured, or a backup). */
export const followsUp = (rules: FollowUpRules): boolean =>
  rules.remindEverySeconds !== undefined || rules.escalateAfterSeconds !== undefined;

/** The next offset after `at` at which something happens: a reminder, the escalation, or the deadline. */
export function nextOffset(rules: FollowUpRules, at: number): number {
  const candidates = [rules.timeoutSeconds];
  const every = rules.remindEverySeconds;
  if (every !== undefined) candidates.push((Math.floor(at / every) + 1) * every);
  if (rules.escalateAfterSeconds !== undefined && rules.escalateAfterSeconds > at)
    candidates.push(rules.escalateAfterSeconds);
  return Math.min(...candidates);
}

/** The wait of the first ask: until the first reminder, escalation or the deadline. */
export const firstWaitSeconds = (rules: FollowUpRules): number => nextOffset(rules, 0);

export interface FollowUpState {
  /** The first ask's createdAt and deadline. */
  askedAt: string;
  deadline: string;
  /** The offset this wake-up was planned for (the previous plan's), or undefined at the first. */
  plannedAt?: number;
  /** The backup was asked already. */
  escalated: boolean;
  /** False when the backup must not be asked (e.g. they are the requester and self-approval is denied). */
  backupAllowed: boolean;
  now: Date;
}

/**
 * What this wake-up does and the next wait; throws Approval.WaitOver at (or after) the deadline.
 * The caller throws WaitOver itself when the approver's decision or the request's end came first.
 */
export function planFollowUp(rules: FollowUpRules, state: FollowUpState): FollowUpPlan {
  const at = state.plannedAt ?? firstWaitSeconds(rules);
  const start = Date.parse(state.askedAt);
  if (at >= rules.timeoutSeconds || state.now.getTime() >= Date.parse(state.deadline))
    throw new WorkflowError(WAIT_OVER_ERROR, "the deadline passed without a decision");
  const every = rules.remindEverySeconds;
  const remind = every !== undefined && at % every === 0;
  const escalate =
    state.backupAllowed &&
    !state.escalated &&
    rules.escalateAfterSeconds !== undefined &&
    at === rules.escalateAfterSeconds;
  const next = nextOffset(rules, at);
  const waitSeconds = Math.max(1, Math.round((start + next * 1000 - state.now.getTime()) / 1000));
  const plan: FollowUpPlan = {
    at: next,
    waitSeconds,
    deadline: state.deadline,
    remind,
    escalate,
    escalated: state.escalated,
    reminder: remind ? at / every! : 0,
  };
  return plan;
}
