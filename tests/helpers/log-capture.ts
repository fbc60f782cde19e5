/**
 * The JSON lines the shared logger (core/log.ts) writes to stdout while `run` runs, parsed. The
 * handlers log through that logger, so this is how a test reads what a deployed function would
 * leave in CloudWatch Logs. LOG_LEVEL is set to `level` for the duration.
 */
import { setEnv } from "../../devkit/loopback";

export type LogEntry = Record<string, unknown> & { level: string; message: string; timestamp: string };

/** What `run` returned or threw, and the log lines it wrote. */
export interface Captured<T> {
  result?: T;
  error?: unknown;
  entries: LogEntry[];
}

export async function captureLog<T>(run: () => Promise<T>, level = "info"): Promise<Captured<T>> {
  const entries: LogEntry[] = [];
  const restoreEnv = setEnv({ LOG_LEVEL: level });
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const lines = text.split("\n").filter((line) => line.startsWith("{"));
    if (lines.length === 0) return (write as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    for (const line of lines) entries.push(JSON.parse(line) as LogEntry);
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await run(), entries };
  } catch (error) {
    return { error, entries };
  } finally {
    process.stdout.write = write;
    restoreEnv();
  }
}
