/**
 * The channel registry: every way of asking an approver. Config parsing, the component, the
 * definition, close-request and the sandbox iterate this list; nothing outside a channel's
 * folder branches on its kind. Order matters once: an approver entry belongs to the first channel
 * whose marker key it has, and to the channel without markers (link) otherwise.
 *
 * Pure (no AWS SDK, no Pulumi): Lambda bundles import it. The Pulumi side of each channel is in
 * channels/infra.ts, what closing does in channels/release.ts, the sandbox side in channels/local.ts
 * (each typed by RegisteredChannelKind).
 */
import type { ChannelSpec } from "../core/channel-spec";
import { parseWorkflowConfig } from "../core/config";
import type { WorkflowSettings } from "../core/settings";
import { automatedChannel } from "./automated/spec";
import { iamChannel } from "./iam/spec";
import { linkChannel } from "./link/spec";

const SPECS = [iamChannel, automatedChannel, linkChannel] as const;

/**
 * The kind of every registered channel, from the specs themselves: the side registries
 * (channels/infra.ts, channels/local.ts, channels/release.ts) are typed by it, so a channel missing
 * from one of them, or one the registry does not have, fails to type-check.
 */
export type RegisteredChannelKind = (typeof SPECS)[number]["kind"];

export const CHANNELS: readonly ChannelSpec<never>[] = [...SPECS] as ChannelSpec<never>[];

export function channelSpec(kind: string): ChannelSpec<never> {
  const spec = CHANNELS.find((channel) => channel.kind === kind);
  if (spec === undefined) throw new Error(`unknown channel "${kind}"`);
  return spec;
}

/** The stack config validated against every channel's rules. */
export function parseStackConfig(raw: Record<string, unknown>): WorkflowSettings {
  return parseWorkflowConfig(raw, CHANNELS as readonly ChannelSpec[]);
}
