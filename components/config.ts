/**
 * Stack config: schema, validation and the settings the rest of the program uses.
 *
 * Pure (zod only, no Pulumi or AWS imports) so the program, the component, the local sandbox and
 * the tests share one set of rules. Every rule names the offending entry, so a typo in
 * Pulumi.<stack>.yaml fails `pulumi up` before any resource is created.
 */
import { z } from "zod";
import type { Channel } from "../lambdas/shared/model";

/**
 * Why 50: the notify role lists every approver topic ARN one by one (no wildcards) and an IAM
 * role's inline policies are limited to 10,240 characters; 50 topic ARNs keep that role well
 * inside the limit, and 50 parallel branches keep an execution's history far below Step
 * Functions' 25,000-event quota. More approvers than that is a mailing list, not a quorum.
 */
export const MAX_APPROVERS = 50;

export const DEFAULT_APPROVAL_TIMEOUT = "7d";

/** The `aws:approve` step of SSM Automation waits at most 30 days (its timeoutSeconds limit). */
export const IAM_CHANNEL_MAX_TIMEOUT_SECONDS = 30 * 24 * 3600;

/**
 * A Standard execution lives at most one year; the approver's wait must fit in it with room
 * for opening and closing the request.
 */
export const LINK_CHANNEL_MAX_TIMEOUT_SECONDS = 364 * 24 * 3600;

export const MIN_APPROVAL_TIMEOUT_SECONDS = 60;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const DURATION = /^(?:\d+[smhd])+$/;

/** Parses "90m", "72h", "7d", "1d12h" into seconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const compact = text.trim();
  if (!DURATION.test(compact)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of compact.matchAll(/(\d+)([smhd])/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
  }
  return seconds;
}

/** Renders seconds back in the largest whole unit, for messages. */
export function formatDuration(seconds: number): string {
  for (const unit of ["d", "h", "m"] as const) {
    if (seconds % UNIT_SECONDS[unit] === 0) return `${seconds / UNIT_SECONDS[unit]}${unit}`;
  }
  return `${seconds}s`;
}

// IAM users and roles, with an optional path; no wildcards (aws:approve needs exact principals).
const IAM_PRINCIPAL = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:(?:user|role)\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;

const approverSchema = z.strictObject(
  {
    name: z.string({ error: "name is required and must be a string" }).regex(/^[a-z0-9][a-z0-9-]{0,31}$/, {
      error: "name must be 1-32 characters of a-z, 0-9 and '-', starting with a letter or digit",
    }),
    email: z.email({ error: "email must be a valid email address" }),
    iamPrincipal: z
      .string({ error: "iamPrincipal must be a string" })
      .regex(IAM_PRINCIPAL, {
        error: "iamPrincipal must be the ARN of an IAM user or role, e.g. arn:aws:iam::123456789012:role/Approver",
      })
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}; an approver has name, email and optionally iamPrincipal`
        : undefined,
  },
);

const durationSchema = z
  .string({ error: "approvalTimeout must be a duration string such as 72h or 7d" })
  .transform((text, ctx) => {
    const seconds = parseDuration(text);
    if (seconds === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `approvalTimeout "${text}" is not a duration such as 90m, 72h, 7d or 1d12h`,
      });
      return z.NEVER;
    }
    if (seconds < MIN_APPROVAL_TIMEOUT_SECONDS) {
      ctx.addIssue({ code: "custom", message: `approvalTimeout "${text}" is shorter than the minimum of 1m` });
      return z.NEVER;
    }
    if (seconds > LINK_CHANNEL_MAX_TIMEOUT_SECONDS) {
      ctx.addIssue({
        code: "custom",
        message: `approvalTimeout "${text}" is longer than ${formatDuration(LINK_CHANNEL_MAX_TIMEOUT_SECONDS)} (a Step Functions execution lasts at most a year)`,
      });
      return z.NEVER;
    }
    return seconds;
  });

const configSchema = z
  .strictObject(
    {
      approvers: z
        .array(approverSchema, { error: "approvers must be a list of { name, email, iamPrincipal? }" })
        .min(1, { error: "approvers must list at least one approver" })
        .max(MAX_APPROVERS, {
          error: `approvers lists more than ${MAX_APPROVERS} approvers, the most this workflow supports`,
        }),
      quorum: z
        .number({ error: "quorum must be a whole number" })
        .int({ error: "quorum must be a whole number" })
        .min(1, { error: "quorum must be at least 1" })
        .optional(),
      approvalTimeout: durationSchema.optional(),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `unknown setting(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}; the settings are approvers, quorum and approvalTimeout`
          : undefined,
    },
  )
  .superRefine((config, ctx) => {
    const { approvers } = config;
    for (const field of ["name", "email"] as const) {
      const firstIndex = new Map<string, number>();
      approvers.forEach((approver, index) => {
        const key = field === "email" ? approver.email.toLowerCase() : approver.name;
        const earlier = firstIndex.get(key);
        if (earlier === undefined) {
          firstIndex.set(key, index);
        } else {
          ctx.addIssue({
            code: "custom",
            path: ["approvers", index, field],
            message: `${field} "${approver[field]}" is already used by approvers[${earlier}]`,
          });
        }
      });
    }
    if (config.quorum !== undefined && config.quorum > approvers.length) {
      ctx.addIssue({
        code: "custom",
        path: ["quorum"],
        message: `quorum ${config.quorum} is more than the ${approvers.length} approver(s) listed`,
      });
    }
    const timeoutSeconds = config.approvalTimeout ?? parseDuration(DEFAULT_APPROVAL_TIMEOUT)!;
    approvers.forEach((approver, index) => {
      if (approver.iamPrincipal !== undefined && timeoutSeconds > IAM_CHANNEL_MAX_TIMEOUT_SECONDS) {
        ctx.addIssue({
          code: "custom",
          path: ["approvers", index, "iamPrincipal"],
          message: `approvers with iamPrincipal decide through SSM Automation, whose approvals last at most 30d; approvalTimeout is ${formatDuration(timeoutSeconds)}`,
        });
      }
    });
  });

export type RawWorkflowConfig = z.input<typeof configSchema>;

export interface ApproverSettings {
  name: string;
  email: string;
  iamPrincipal?: string;
  /** `iam` when the approver must sign in to AWS (iamPrincipal set), else `link`. */
  channel: Channel;
}

export interface WorkflowSettings {
  approvers: ApproverSettings[];
  quorum: number;
  approvalTimeoutSeconds: number;
}

/** Thrown for invalid stack config; its message lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid parallel-approval config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** "approvers[1] (security).email" style locations, so the message names the entry. */
function describePath(path: PropertyKey[], input: unknown): string {
  const [head, index, ...rest] = path;
  if (head === "approvers" && typeof index === "number") {
    const entry = Array.isArray((input as { approvers?: unknown })?.approvers)
      ? (input as { approvers: unknown[] }).approvers[index]
      : undefined;
    const name =
      typeof (entry as { name?: unknown })?.name === "string" ? ` (${(entry as { name: string }).name})` : "";
    return `parallel-approval:approvers[${index}]${name}${rest.map((p) => `.${String(p)}`).join("")}`;
  }
  return path.length === 0 ? "parallel-approval" : `parallel-approval:${path.map(String).join(".")}`;
}

/**
 * Validates the raw stack config (as read from Pulumi config) and returns the settings with
 * defaults applied. Throws ConfigError naming every offending entry.
 */
export function parseWorkflowConfig(raw: unknown): WorkflowSettings {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${describePath(issue.path, raw)}: ${issue.message}`));
  }
  const { approvers, quorum, approvalTimeout } = result.data;
  return {
    approvers: approvers.map((approver) => ({
      ...approver,
      channel: approver.iamPrincipal === undefined ? "link" : "iam",
    })),
    quorum: quorum ?? approvers.length,
    approvalTimeoutSeconds: approvalTimeout ?? parseDuration(DEFAULT_APPROVAL_TIMEOUT)!,
  };
}
