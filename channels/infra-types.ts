/**
 * What a channel's Pulumi side is (channels/<kind>/infra.ts implements it; channels/infra.ts lists
 * them). In a file of its own so that the per-channel files and the registry do not import each
 * other.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as aws from "@pulumi/aws";
import type { ApproverSettings, WorkflowSettings } from "../core/settings";
import type { FunctionFactory } from "../components/functions";
import type { GrantCatalog } from "../components/grants";

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
