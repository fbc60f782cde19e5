/**
 * The Pulumi side of each channel: what it creates for its approvers (functions, endpoints,
 * documents, rules) and the grants it exposes. ApprovalWorkflow creates the infra of every
 * channel in use through this registry, which has exactly the kinds of channels/registry.ts
 * (checked by tsc here and by tests/channel-registry.spec.ts).
 */
import type { ChannelInfra } from "./infra-types";
import type { RegisteredChannelKind } from "./registry";
import { automatedInfra } from "./automated/infra";
import { iamInfra } from "./iam/infra";
import { linkInfra } from "./link/infra";

export const CHANNEL_INFRA: Readonly<Record<RegisteredChannelKind, ChannelInfra>> = {
  link: linkInfra,
  iam: iamInfra,
  automated: automatedInfra,
};

/** The Pulumi side of a channel, by its kind as settings name it. */
export function channelInfra(kind: string): ChannelInfra {
  if (!Object.hasOwn(CHANNEL_INFRA, kind)) throw new Error(`channel "${kind}" has no Pulumi side in channels/infra.ts`);
  return CHANNEL_INFRA[kind as RegisteredChannelKind];
}
