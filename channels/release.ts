/**
 * What closing a request does to a pending ask, by channel (the close-request function iterates
 * the request's undecided asks and calls the release of each one's channel). The task token is
 * scrubbed from every ask by the store, whatever its channel; a release does what only the channel
 * can: the iam channel stops the SSM automation still waiting for the approver. A channel with
 * nothing to add (link: its page shows "closed" once the record is closed) has no entry; every key
 * is a kind of channels/registry.ts (checked by tsc here and by tests/channel-registry.spec.ts).
 */
import type { AskRelease } from "./release-types";
// Type only: the close-request bundle must not pull in the registry (zod, every channel's spec).
import type { RegisteredChannelKind } from "./registry";
import { iamRelease } from "./iam/release";

export const RELEASES: Readonly<Partial<Record<RegisteredChannelKind, AskRelease>>> = {
  iam: iamRelease,
};
