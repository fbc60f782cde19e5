/**
 * Stack config of reminders and backups, checked with the rest of the config (core/config.ts):
 *  - per stage `remindEvery: 24h`: an approver who has not decided is sent their link again;
 *  - per approver `backup: { name, email }` with `escalateAfter: 48h`: the backup is asked as
 *    well once the approver has not decided by then.
 * Both must fit inside the stage's deadline; a backup is another person than the approver. Pure.
 */
import { z } from "zod";
import { formatDuration, parseDuration } from "./durations";
import { MIN_APPROVAL_TIMEOUT_SECONDS, NAME_PATTERN, NAME_RULE } from "./limits";
import type { BackupSettings } from "./settings";

/** The approver fields handled here, whatever the approver's channel. */
export const FOLLOW_UP_APPROVER_KEYS = ["backup", "escalateAfter"] as const;

export type Report = (where: string, message: string) => void;

const backupSchema = z.strictObject({
  name: z
    .string({ error: "backup.name is required and must be a string" })
    .regex(NAME_PATTERN, { error: `backup.name must be ${NAME_RULE}` }),
  email: z.email({ error: "backup.email must be a valid email address" }),
});

/** A duration field of at least a minute and shorter than the stage's deadline, in seconds. */
function shorterThanDeadline(
  field: string,
  value: unknown,
  timeoutSeconds: number,
  where: string,
  report: Report,
): number | undefined {
  const seconds = typeof value === "string" ? parseDuration(value) : undefined;
  if (seconds === undefined) {
    report(where, `${field} ${JSON.stringify(value)} is not a duration such as 90m, 24h or 2d`);
  } else if (seconds < MIN_APPROVAL_TIMEOUT_SECONDS) {
    report(where, `${field} "${value}" is shorter than the minimum of 1m`);
  } else if (seconds >= timeoutSeconds) {
    report(
      where,
      `${field} "${value}" is not shorter than the approvalTimeout of ${formatDuration(timeoutSeconds)}, so it would never happen before the deadline`,
    );
  } else {
    return seconds;
  }
  return undefined;
}

/** A stage's `remindEvery` in seconds (undefined when not set), or a problem. */
export function parseRemindEvery(
  value: unknown,
  timeoutSeconds: number,
  where: string,
  report: Report,
): number | undefined {
  if (value === undefined) return undefined;
  return shorterThanDeadline("remindEvery", value, timeoutSeconds, where, report);
}

/** The approver entry without the follow-up fields (what the channel's schema checks), and those fields. */
export function splitFollowUpFields(entry: Record<string, unknown>): {
  rest: Record<string, unknown>;
  backup: unknown;
  escalateAfter: unknown;
} {
  const { backup, escalateAfter, ...rest } = entry;
  return { rest, backup, escalateAfter };
}

export interface FollowUpApprover {
  name: string;
  email?: string;
  /** Whether the approver's channel can remind and escalate (ChannelSpec.followsUp). */
  followsUp: boolean;
  channel: string;
}

/** An approver's backup with its escalation delay, checked against the approver and the deadline. */
export function parseBackup(
  raw: { backup: unknown; escalateAfter: unknown },
  approver: FollowUpApprover,
  timeoutSeconds: number,
  where: string,
  report: Report,
): BackupSettings | undefined {
  if (raw.backup === undefined) {
    if (raw.escalateAfter !== undefined)
      report(`${where}.escalateAfter`, "escalateAfter needs a backup to escalate to");
    return undefined;
  }
  if (!approver.followsUp) {
    report(
      `${where}.backup`,
      `${approver.name} decides through the ${approver.channel} channel, which cannot ask a backup; backups are for approvers who decide through a link`,
    );
    return undefined;
  }
  const parsed = backupSchema.safeParse(raw.backup);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const message =
        issue.code === "unrecognized_keys"
          ? `backup has unknown field(s) ${issue.keys.join(", ")}: a backup is { name, email }`
          : issue.code === "invalid_type" && issue.path.length === 0
            ? "backup must be an object { name, email }"
            : issue.message;
      report(`${where}.backup`, message);
    }
    return undefined;
  }
  const backup = parsed.data;
  const sameName = backup.name === approver.name;
  const sameEmail = approver.email !== undefined && backup.email.toLowerCase() === approver.email.toLowerCase();
  if (sameName || sameEmail) {
    report(
      `${where}.backup`,
      `the backup is the approver themselves (same ${sameName ? "name" : "email"}); a backup must be another person`,
    );
    return undefined;
  }
  if (raw.escalateAfter === undefined) {
    report(`${where}.escalateAfter`, "a backup needs escalateAfter: how long the approver has alone, e.g. 48h");
    return undefined;
  }
  const escalateAfterSeconds = shorterThanDeadline(
    "escalateAfter",
    raw.escalateAfter,
    timeoutSeconds,
    `${where}.escalateAfter`,
    report,
  );
  return escalateAfterSeconds === undefined ? undefined : { ...backup, escalateAfterSeconds };
}
