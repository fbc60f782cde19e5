/**
 * The Pulumi side of each channel: what it creates for its approvers (functions, endpoints,
 * documents, rules) and the grants it exposes. ApprovalWorkflow creates the infra of every
 * channel in use through this registry, keyed like channels/registry.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as aws from "@pulumi/aws";
import type { ApproverSettings, WorkflowSettings } from "../core/settings";
import type { FunctionFactory } from "../components/functions";
import type { GrantCatalog } from "../components/grants";
import { automatedInfra } from "./automated/infra";
import { iamInfra } from "./iam/infra";
import { linkInfra } from "./link/infra";

export interface ChannelInfraContext {
  /** The workflow's name: every resource is named from it and stable keys. */
  name: string;
  parent: pulumi.ComponentResource;
  /** This channel's approvers, each name once. */
  approvers: ApproverSettings[];
  settings: WorkflowSettings;
  /** The SNS topic of every approver that has one, by approver name. */
  topics: ReadonlyMap<string, aws.sns.Topic>;
  table: aws.dynamodb.Table;
  grants: GrantCatalog;
  functions: FunctionFactory;
  logRetentionDays: number;
  /** Channel-specific options from the workflow's args (e.g. the page throttle). */
  options: { pageThrottle?: { rateLimit: number; burstLimit: number } };
}

export interface ChannelResources {
  /** Values the workflow exports, by output name (e.g. approvalPageUrl). */
  outputs: Record<string, pulumi.Output<string>>;
}

export interface ChannelInfra {
  /**
   * Step one (before any function exists): expose the grants others need from this channel, e.g.
   * what close-request needs to release its asks, and provide its environment variables.
   */
  prepare(ctx: ChannelInfraContext): void;
  /** Step two: create the channel's functions and everything around them. */
  create(ctx: ChannelInfraContext): ChannelResources;
}

export const CHANNEL_INFRA: Readonly<Record<string, ChannelInfra>> = {
  link: linkInfra,
  iam: iamInfra,
  automated: automatedInfra,
};
