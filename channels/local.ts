/**
 * The sandbox side of each channel: the local stand-ins its functions talk to (through
 * `AWS_ENDPOINT_URL_<SERVICE>`), the environment values the deployed stack would give them, the
 * pages a person uses locally in place of an AWS console, and how the sandbox learns that an
 * approver was asked. local/sandbox.ts starts the stand-in of every channel in use from this
 * registry, which has exactly the kinds of channels/registry.ts (checked by tsc here and by
 * tests/channel-registry.spec.ts).
 */
import type { LocalChannelFactory } from "./local-types";
import type { RegisteredChannelKind } from "./registry";
import { automatedLocal } from "./automated/local";
import { iamLocal } from "./iam/local";
import { linkLocal } from "./link/local";

export const CHANNEL_LOCAL: Readonly<Record<RegisteredChannelKind, LocalChannelFactory>> = {
  link: linkLocal,
  iam: iamLocal,
  automated: automatedLocal,
};

/** The sandbox side of a channel, by its kind as settings name it. */
export function channelLocal(kind: string): LocalChannelFactory {
  if (!Object.hasOwn(CHANNEL_LOCAL, kind))
    throw new Error(`channel "${kind}" has no sandbox side in channels/local.ts`);
  return CHANNEL_LOCAL[kind as RegisteredChannelKind];
}
