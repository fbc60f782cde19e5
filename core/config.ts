/**
 * Stack config: validation and the settings the rest of the program builds from. Pure (zod
 * only), and parameterised by the channel registry, so the program, the component, the sandbox
 * and the tests share one set of rules and core names no channel.
 *
 * Two equivalent shapes: `stages` (a list of { name, approvers, quorum?, approvalTimeout? }), or
 * the flat keys `approvers` / `quorum` / `approvalTimeout`, which mean one stage. Every problem
 * is reported at once, one line each, naming the stage and the entry, before any resource exists.
 */
import { z } from "zod";
import type { ChannelSpec } from "./channel-spec";
import { formatDuration, parseDuration } from "./durations";
import {
  DEFAULT_APPROVAL_TIMEOUT,
  MAX_APPROVERS,
  MAX_EXECUTION_WAIT_SECONDS,
  MAX_STAGES,
  MIN_APPROVAL_TIMEOUT_SECONDS,
  NAME_PATTERN,
  NAME_RULE,
} from "./limits";
import type { ApproverSettings, StageSettings, WorkflowSettings } from "./settings";
import { parseDecidedDelivery } from "./decided-event";
import { FOLLOW_UP_APPROVER_KEYS, parseBackup, parseRemindEvery, splitFollowUpFields } from "./follow-up-config";
import { parseSelfApproval, parseSignIn } from "./sign-in-config";

export const CONFIG_NAMESPACE = "parallel-approval";

/** Every key this program reads under `parallel-approval:`; anything else is a typo. */
export const WORKFLOW_CONFIG_KEYS = [
  "stages",
  "approvers",
  "quorum",
  "approvalTimeout",
  // Where the "Approval Decided" event goes (core/decided-event.ts).
  "eventBus",
  "requesterTopic",
  // Reminders, self-approval and sign-in (core/follow-up-config.ts, core/sign-in-config.ts).
  "remindEvery",
  "selfApproval",
  "signIn",
] as const;

/** The name used for the one stage of a flat config. */
export const FLAT_STAGE_NAME = "approval";

/** Thrown for invalid stack config; its message lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid ${CONFIG_NAMESPACE} config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Collects problems with their location; throws them all at the end. */
class Problems {
  readonly list: string[] = [];
  add(where: string, message: string): void {
    this.list.push(`${where}: ${message}`);
  }
}

const nameSchema = (what: string) =>
  z
    .string({ error: `${what} is required and must be a string` })
    .regex(NAME_PATTERN, { error: `${what} must be ${NAME_RULE}` });

export const approverNameSchema = nameSchema("name");

/** "approvalTimeout" as seconds, or a problem. */
function timeoutSeconds(value: unknown, where: string, problems: Problems): number | undefined {
  const text = value ?? DEFAULT_APPROVAL_TIMEOUT;
  if (typeof text !== "string") {
    problems.add(where, "approvalTimeout must be a duration string such as 72h or 7d");
    return undefined;
  }
  const seconds = parseDuration(text);
  if (seconds === undefined) {
    problems.add(where, `approvalTimeout "${text}" is not a duration such as 90m, 72h, 7d or 1d12h`);
  } else if (seconds < MIN_APPROVAL_TIMEOUT_SECONDS) {
    problems.add(where, `approvalTimeout "${text}" is shorter than the minimum of 1m`);
  } else if (seconds > MAX_EXECUTION_WAIT_SECONDS) {
    problems.add(
      where,
      `approvalTimeout "${text}" is longer than ${formatDuration(MAX_EXECUTION_WAIT_SECONDS)} (a Step Functions execution lasts at most a year)`,
    );
  } else {
    return seconds;
  }
  return undefined;
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/** The known key nearest to a misspelt one, if any is close enough to be what was meant. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || d < best.d) best = { key: candidate, d };
  }
  return best !== undefined && best.d <= Math.max(2, Math.floor(best.key.length / 3)) ? best.key : undefined;
}

export function unknownKeyMessage(key: string, known: readonly string[], what: string): string {
  const near = nearestKey(key, known);
  return `unknown ${what} "${key}"${near ? ` (did you mean "${near}"?)` : ""}; the ${what}s are ${known.join(", ")}`;
}

function zodProblems(error: z.ZodError, where: string, problems: Problems): void {
  for (const issue of error.issues) {
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    problems.add(`${where}${path}`, issue.message);
  }
}

function labelled(base: string, entry: unknown): string {
  const name = (entry as { name?: unknown } | null)?.name;
  return typeof name === "string" ? `${base} (${name})` : base;
}

/** The fields an entry of a channel may have (its schema's keys). */
function entryKeysOf(channel: ChannelSpec): string[] {
  const shape = (channel.schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape === undefined ? [...channel.markerKeys] : Object.keys(shape);
}

/** Picks the channel an entry belongs to by its marker keys; the one without markers is the default. */
function channelFor(entry: Record<string, unknown>, channels: readonly ChannelSpec[]): ChannelSpec | string {
  const marked = channels.filter((c) => c.markerKeys.some((key) => key in entry));
  if (marked.length > 1) {
    const keys = marked.flatMap((c) => c.markerKeys.filter((key) => key in entry));
    return `an approver uses one channel: ${keys.join(" and ")} cannot be combined`;
  }
  return marked[0] ?? channels.find((c) => c.markerKeys.length === 0) ?? "no channel takes this approver";
}

function parseApprover(entry: unknown, where: string, channels: readonly ChannelSpec[], problems: Problems) {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    problems.add(where, "an approver must be an object such as { name, email }");
    return undefined;
  }
  const { rest, ...followUp } = splitFollowUpFields(entry as Record<string, unknown>);
  const channel = channelFor(rest, channels);
  if (typeof channel === "string") {
    problems.add(where, channel);
    return undefined;
  }
  const parsed = channel.schema.safeParse(rest);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        const known = [...new Set([...channels.flatMap(entryKeysOf), ...FOLLOW_UP_APPROVER_KEYS])];
        for (const key of issue.keys)
          problems.add(
            where,
            known.includes(key)
              ? `field "${key}" does not apply to this approver: ${channel.fields}`
              : `${unknownKeyMessage(key, known, "field")}: ${channel.fields}`,
          );
      } else {
        zodProblems(new z.ZodError([issue]), where, problems);
      }
    }
    return undefined;
  }
  return { channel, approver: channel.toApprover(parsed.data), followUp, where };
}

type RawStage = {
  name?: unknown;
  approvers?: unknown;
  quorum?: unknown;
  approvalTimeout?: unknown;
  remindEvery?: unknown;
};
/** The fields of a stage entry under `stages`. */
export const STAGE_KEYS = ["name", "approvers", "quorum", "approvalTimeout", "remindEvery"];

/** Where a stage's field is: `parallel-approval:quorum` (flat) or `parallel-approval:stages[1] (owners).quorum`. */
type Locate = (field: string) => string;

function parseQuorum(value: unknown, voters: number, at: Locate, problems: Problems): number | undefined {
  if (value === undefined) return voters;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    problems.add(at("quorum"), "quorum must be a whole number");
  } else if (voters === 0) {
    problems.add(
      at("quorum"),
      "this stage has only advisors (mode: advice), whose decisions do not count; remove quorum",
    );
  } else if (value < 1) {
    problems.add(at("quorum"), "quorum must be at least 1");
  } else if (value > voters) {
    problems.add(at("quorum"), `quorum ${value} is more than the ${voters} voting approver(s) of this stage`);
  } else {
    return value;
  }
  return undefined;
}

function parseStage(raw: RawStage, at: Locate, channels: readonly ChannelSpec[], problems: Problems) {
  const approversWhere = at("approvers");
  if (!Array.isArray(raw.approvers) || raw.approvers.length === 0) {
    problems.add(approversWhere, "a stage must list at least one approver");
    return undefined;
  }
  const entries: unknown[] = raw.approvers;
  const parsed = entries.map((entry, i) =>
    parseApprover(entry, labelled(`${approversWhere}[${i}]`, entry), channels, problems),
  );
  const seen = new Map<string, number>();
  parsed.forEach((p, i) => {
    if (!p) return;
    const earlier = seen.get(p.approver.name);
    if (earlier !== undefined) {
      problems.add(
        `${labelled(`${approversWhere}[${i}]`, entries[i])}.name`,
        `"${p.approver.name}" is already an approver of this stage (approvers[${earlier}])`,
      );
    } else seen.set(p.approver.name, i);
  });
  const timeout = timeoutSeconds(raw.approvalTimeout, at("approvalTimeout"), problems);
  const approvers = parsed.filter((p) => p !== undefined);
  if (timeout !== undefined) {
    for (const { channel, approver } of approvers) {
      if (timeout > channel.maxTimeoutSeconds) {
        problems.add(
          at("approvalTimeout"),
          `${approver.name} decides through the ${channel.kind} channel, ${channel.maxTimeoutReason}; approvalTimeout is ${formatDuration(timeout)}`,
        );
      }
    }
  }
  if (approvers.length !== parsed.length || timeout === undefined) return undefined;
  const report = (where: string, message: string) => problems.add(where, message);
  const remindEvery = parseRemindEvery(raw.remindEvery, timeout, at("remindEvery"), report);
  const before = problems.list.length;
  const withBackups = approvers.map(({ channel, approver, followUp, where }) => {
    const backup = parseBackup(
      followUp,
      { ...approver, followsUp: channel.branch.followUp === true },
      timeout,
      where,
      report,
    );
    return backup === undefined ? approver : { ...approver, backup };
  });
  if (problems.list.length > before || (raw.remindEvery !== undefined && remindEvery === undefined)) return undefined;
  const voters = approvers.filter((p) => p.approver.mode === "vote").length;
  const quorum = parseQuorum(raw.quorum, voters, at, problems);
  if (quorum === undefined) return undefined;
  const stage = { quorum, timeoutSeconds: timeout, approvers: withBackups };
  return remindEvery === undefined ? stage : { ...stage, remindEverySeconds: remindEvery };
}

/** The same approver name in several stages is one person: their settings must agree. */
function checkAcrossStages(stages: StageSettings[], locate: (stage: number) => Locate, problems: Problems): void {
  const first = new Map<string, { stage: number; approver: ApproverSettings }>();
  const emails = new Map<string, string>();
  const backups: { where: string; backup: { name: string; email: string }; of: ApproverSettings }[] = [];
  stages.forEach((stage, s) => {
    stage.approvers.forEach((approver, i) => {
      const where = `${locate(s)("approvers")}[${i}] (${approver.name})`;
      const earlier = first.get(approver.name);
      if (earlier === undefined) first.set(approver.name, { stage: s, approver });
      else if (!sameApprover(earlier.approver, approver)) {
        problems.add(
          where,
          `"${approver.name}" is also an approver of stage "${stages[earlier.stage].name}" with other settings; one name is one approver, with the same email and channel in every stage`,
        );
      }
      if (approver.email !== undefined) {
        const owner = emails.get(approver.email.toLowerCase());
        if (owner === undefined) emails.set(approver.email.toLowerCase(), approver.name);
        else if (owner !== approver.name)
          problems.add(`${where}.email`, `email "${approver.email}" is already used by approver "${owner}"`);
      }
      if (approver.backup !== undefined)
        backups.push({ where: `${where}.backup`, backup: approver.backup, of: approver });
    });
  });
  // A backup is a person too (with their own topic): one name, one email, wherever they appear.
  for (const { where, backup, of } of backups) {
    const asApprover = first.get(backup.name)?.approver;
    const owner = emails.get(backup.email.toLowerCase());
    if (asApprover !== undefined && asApprover.email?.toLowerCase() !== backup.email.toLowerCase()) {
      problems.add(
        where,
        `"${backup.name}" is also an approver, with email "${asApprover.email ?? "none"}"; one name is one person`,
      );
    } else if (owner !== undefined && owner !== backup.name) {
      problems.add(where, `email "${backup.email}" is already used by "${owner}"`);
    } else {
      emails.set(backup.email.toLowerCase(), backup.name);
      first.set(backup.name, first.get(backup.name) ?? { stage: -1, approver: backupAsApprover(backup, of) });
    }
  }
}

/**
 * A backup as the person it is, reached by email through the channel of the approver they back up:
 * that channel's ask function asks them behind the same ask (only a channel whose branch follows up
 * takes backups, core/follow-up-config.ts), as core/definition-stages.ts's peopleOf has it too.
 */
export function backupAsApprover(backup: { name: string; email: string }, of: ApproverSettings): ApproverSettings {
  return {
    name: backup.name,
    channel: of.channel,
    mode: "vote",
    address: backup.email,
    email: backup.email,
    options: {},
  };
}

function sameApprover(a: ApproverSettings, b: ApproverSettings): boolean {
  return (
    a.channel === b.channel &&
    a.address === b.address &&
    a.email === b.email &&
    a.mode === b.mode &&
    JSON.stringify(a.options) === JSON.stringify(b.options)
  );
}

function checkTotals(stages: StageSettings[], problems: Problems): void {
  const entries = stages.reduce((sum, stage) => sum + stage.approvers.length, 0);
  if (entries > MAX_APPROVERS) {
    problems.add(
      CONFIG_NAMESPACE,
      `${entries} approver entries in all stages; at most ${MAX_APPROVERS} are supported (see README: limits)`,
    );
  }
  // Backups are people with a topic too: the notify role lists every topic (README: limits).
  const people = new Set(
    stages.flatMap((stage) =>
      stage.approvers.flatMap((a) => [
        ...(a.email === undefined ? [] : [a.name]),
        ...(a.backup ? [a.backup.name] : []),
      ]),
    ),
  );
  // Said once: only when backups add people beyond the entries already refused above.
  if (people.size > MAX_APPROVERS && (entries <= MAX_APPROVERS || people.size > entries)) {
    problems.add(
      CONFIG_NAMESPACE,
      `${people.size} people with an email topic (approvers and backups); at most ${MAX_APPROVERS}, as many topics as the notify function's role can list (see README: limits)`,
    );
  }
  const wait = stages.reduce((sum, stage) => sum + stage.timeoutSeconds, 0);
  if (wait > MAX_EXECUTION_WAIT_SECONDS) {
    problems.add(
      CONFIG_NAMESPACE,
      `the stages' approvalTimeouts add up to ${formatDuration(wait)}; a Step Functions execution lasts at most a year, so they may add up to ${formatDuration(MAX_EXECUTION_WAIT_SECONDS)}`,
    );
  }
}

function rawStages(
  raw: Record<string, unknown>,
  problems: Problems,
): { stages: RawStage[]; flat: boolean } | undefined {
  if (raw.stages !== undefined) {
    for (const key of ["approvers", "quorum"].filter((k) => raw[k] !== undefined)) {
      problems.add(
        `${CONFIG_NAMESPACE}:${key}`,
        key === "approvers"
          ? "set either stages or approvers (one stage), not both"
          : "with stages, quorum goes inside each stage (the flat quorum applies to flat approvers only)",
      );
    }
    if (!Array.isArray(raw.stages) || raw.stages.length === 0) {
      problems.add(
        `${CONFIG_NAMESPACE}:stages`,
        "stages must be a list of at least one { name, approvers, quorum?, approvalTimeout? }",
      );
      return undefined;
    }
    if (raw.stages.length > MAX_STAGES)
      problems.add(`${CONFIG_NAMESPACE}:stages`, `at most ${MAX_STAGES} stages are supported`);
    // The flat approvalTimeout and remindEvery are the defaults of every stage that sets none.
    const stages = (raw.stages as unknown[]).map((stage) => {
      if (typeof stage !== "object" || stage === null || Array.isArray(stage)) return stage as RawStage;
      const inherited: RawStage = { ...(stage as RawStage) };
      for (const key of ["approvalTimeout", "remindEvery"] as const)
        if (inherited[key] === undefined && raw[key] !== undefined) inherited[key] = raw[key];
      return inherited;
    });
    return { stages, flat: false };
  }
  if (raw.approvers === undefined) {
    problems.add(CONFIG_NAMESPACE, "set stages (a list of { name, approvers, ... }) or approvers (one stage)");
    return undefined;
  }
  return {
    stages: [
      {
        name: FLAT_STAGE_NAME,
        approvers: raw.approvers,
        quorum: raw.quorum,
        approvalTimeout: raw.approvalTimeout,
        remindEvery: raw.remindEvery,
      },
    ],
    flat: true,
  };
}

/**
 * Pulumi.yaml declares every optional key with a default, because the Pulumi CLI requires a
 * declared key that has none; the CLI then passes those defaults to the program. These values
 * mean "not set": an empty stages or approvers list, quorum 0 ("every approver"), the default
 * event bus (what an unset eventBus means anyway) and no requester topic.
 */
export const UNSET_BY_DEFAULT: Readonly<Record<string, unknown>> = {
  stages: [],
  approvers: [],
  quorum: 0,
  eventBus: "default",
  requesterTopic: "",
  remindEvery: "",
  signIn: {},
};

export function withoutUnsetDefaults(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(raw).filter(
      ([key, value]) => !(key in UNSET_BY_DEFAULT) || JSON.stringify(value) !== JSON.stringify(UNSET_BY_DEFAULT[key]),
    ),
  );
}

/** A config value as the language host passes it: JSON for lists, maps and numbers, else plain text. */
function programConfigValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // a plain string value, e.g. approvalTimeout: 72h
  }
}

/**
 * The `parallel-approval:` keys (namespace stripped) of config as `pulumi up` hands it to the
 * program: every value a string, lists and maps as JSON, so `quorum: 2` and `quorum: "2"` (what
 * `pulumi config set` writes) both arrive as "2" and read as 2; without the unset defaults. The
 * program (components/stack-config.ts) and the sandbox (local/stack-config.ts) both read config
 * through this, so they see a stack alike.
 */
export function projectConfigOf(all: Record<string, string>): Record<string, unknown> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw = Object.fromEntries(
    Object.entries(all)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), programConfigValue(value)]),
  );
  return withoutUnsetDefaults(raw);
}

function stageLocation(flat: boolean, index: number, raw: RawStage): string {
  return flat ? CONFIG_NAMESPACE : labelled(`${CONFIG_NAMESPACE}:stages[${index}]`, raw);
}

function fieldLocator(flat: boolean, where: string): Locate {
  return flat ? (field) => `${CONFIG_NAMESPACE}:${field}` : (field) => `${where}.${field}`;
}

/**
 * Validates the raw stack config (the `parallel-approval:` keys, without the namespace) and
 * returns the settings with defaults applied, or throws ConfigError naming every bad entry.
 */
export function parseWorkflowConfig(raw: Record<string, unknown>, channels: readonly ChannelSpec[]): WorkflowSettings {
  const problems = new Problems();
  for (const key of Object.keys(raw)) {
    if (!(WORKFLOW_CONFIG_KEYS as readonly string[]).includes(key) && raw[key] !== undefined) {
      problems.add(`${CONFIG_NAMESPACE}:${key}`, unknownKeyMessage(key, WORKFLOW_CONFIG_KEYS, "setting"));
    }
  }
  const decided = parseDecidedDelivery(raw);
  for (const [key, message] of decided.problems) problems.add(`${CONFIG_NAMESPACE}:${key}`, message);
  const shape = rawStages(raw, problems);
  const stages: StageSettings[] = [];
  const names = new Map<string, number>();
  shape?.stages.forEach((stage, i) => {
    const where = stageLocation(shape.flat, i, stage);
    if (typeof stage !== "object" || stage === null || Array.isArray(stage)) {
      problems.add(where, "a stage must be an object { name, approvers, quorum?, approvalTimeout? }");
      return;
    }
    for (const key of Object.keys(stage).filter((k) => !STAGE_KEYS.includes(k)))
      problems.add(where, unknownKeyMessage(key, STAGE_KEYS, "stage field"));
    const name = nameSchema("stage name").safeParse(stage.name);
    if (!name.success) problems.add(`${where}.name`, name.error.issues[0].message);
    else if (names.has(name.data))
      problems.add(`${where}.name`, `stage name "${name.data}" is already used by stages[${names.get(name.data)}]`);
    else names.set(name.data, i);
    const parsed = parseStage(stage, fieldLocator(shape.flat, where), channels, problems);
    if (parsed && name.success) stages.push({ name: name.data, ...parsed });
  });
  if (problems.list.length === 0 && shape) {
    checkAcrossStages(stages, (i) => fieldLocator(shape.flat, stageLocation(shape.flat, i, shape.stages[i])), problems);
    checkTotals(stages, problems);
  }
  const report = (where: string, message: string) => problems.add(where, message);
  const selfApproval = parseSelfApproval(raw.selfApproval, `${CONFIG_NAMESPACE}:selfApproval`, report);
  const signIn = parseSignIn(raw.signIn, `${CONFIG_NAMESPACE}:signIn`, report);
  if (problems.list.length > 0 || !shape) throw new ConfigError(problems.list);
  const settings: WorkflowSettings = { stages, flat: shape.flat, decided: decided.delivery, selfApproval };
  return signIn === undefined ? settings : { ...settings, signIn };
}
