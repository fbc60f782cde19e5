/**
 * Progress on stderr. On a terminal: a status line, rewritten in place, with each decision
 * printed above it as it arrives. Elsewhere (CI logs, a pipe, or CI set): plain lines only, plus
 * a line every few minutes so a long wait shows it is alive.
 */
import { terminalSafe } from "../core/text";
import type { ProgressItem } from "./progress";
import { progressLine, statusLine } from "./render";

const HEARTBEAT_MS = 5 * 60 * 1000;
const CLEAR_LINE = "\r\x1b[2K";

export interface ProgressPrinter {
  item(item: ProgressItem): void;
  notice(message: string): void;
  tick(elapsedMs: number): void;
  /** Clears the status line. */
  done(): void;
}

export function progressPrinter(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): ProgressPrinter {
  const live = stream.isTTY === true && !env.CI;
  let asked = 0;
  const decisions: Extract<ProgressItem, { kind: "decision" }>[] = [];
  let status = "";
  let lastBeat = 0;
  const write = (line: string) => {
    stream.write(`${live && status !== "" ? CLEAR_LINE : ""}${line}\n${live ? status : ""}`);
  };
  return {
    item(item) {
      if (item.kind === "asked") asked += 1;
      if (item.kind === "decision") decisions.push(item);
      const line = progressLine(item);
      if (line !== undefined) write(line);
    },
    notice(message) {
      write(`note: ${terminalSafe(message)}`);
    },
    tick(elapsedMs) {
      if (live) {
        status = statusLine(elapsedMs, asked, decisions);
        stream.write(`${CLEAR_LINE}${status}`);
      } else if (elapsedMs - lastBeat >= HEARTBEAT_MS) {
        lastBeat = elapsedMs;
        stream.write(`${statusLine(elapsedMs, asked, decisions)}\n`);
      }
    },
    done() {
      if (live && status !== "") stream.write(CLEAR_LINE);
      status = "";
    },
  };
}
