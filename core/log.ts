/**
 * A tiny JSON logger: one JSON object per line on stdout (`timestamp`, `level`, `message`, then
 * fields), which CloudWatch Logs Insights parses without configuration. With the function's log
 * format JSON, Lambda reads `level` (DEBUG, INFO, WARN, ERROR) to filter by the application log
 * level and `timestamp` (RFC 3339) as the entry's time; without a valid timestamp it adds its own.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
 *
 * Secrets never reach the log: any field whose name is a task token or an ask id (the approval
 * page capability) is replaced, at any depth. `LOG_LEVEL` (debug|info|warn|error|silent, default
 * info) sets the threshold.
 */

import type { LogFields, Logger } from "./ports";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type { LogFields, Logger };

const RANK: Record<LogLevel | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SECRET_FIELD = /^(taskToken|token|askId)$/i;
export const REDACTED = "[redacted]";

function threshold(): number {
  const level = (process.env.LOG_LEVEL ?? "info").toLowerCase();
  return level in RANK ? RANK[level as LogLevel] : RANK.info;
}

/** The JSON line for one entry, with secrets redacted and errors reduced to name and message. */
export function formatLogLine(level: LogLevel, message: string, fields: LogFields = {}): string {
  return JSON.stringify(
    { timestamp: new Date().toISOString(), level: level.toUpperCase(), message, ...fields },
    (key, value: unknown) => {
      if (SECRET_FIELD.test(key)) return REDACTED;
      if (value instanceof Error) return { name: value.name, message: value.message };
      return value;
    },
  );
}

export function createLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const emit = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (RANK[level] < threshold()) return;
    write(formatLogLine(level, message, fields) + "\n");
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export const log: Logger = createLogger();
