/**
 * What closing a request does to a pending ask, by channel (the close-request function iterates
 * the request's undecided asks and calls the release of each one's channel). The task token is
 * scrubbed from every ask by the store, whatever its channel; a release does what only the channel
 * can: the iam channel stops the SSM automation still waiting for the approver. A channel with
 * nothing to add (link: its page shows "closed" once the record is closed) has no entry.
 */
import type { AskRef } from "../core/model";
import { iamRelease } from "./iam/release";

export interface PendingAsk extends AskRef {
  stage: number;
  approver: string;
}

export interface AskRelease {
  /** What was done, for the log line ("stopped", "alreadyEnded", ...). Best effort: may throw. */
  release(ask: PendingAsk): Promise<string>;
}

export const RELEASES: Readonly<Record<string, AskRelease | undefined>> = { iam: iamRelease };
