/** What closing does to a channel's pending ask (channels/release.ts lists them by channel). */
import type { AskRef } from "../core/model";

export interface PendingAsk extends AskRef {
  stage: number;
  approver: string;
}

export interface AskRelease {
  /** What was done, for the log line ("stopped", "alreadyEnded", ...). Best effort: may throw. */
  release(ask: PendingAsk): Promise<string>;
}
