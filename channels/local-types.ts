/**
 * What a channel's sandbox side is (channels/<kind>/local.ts implements it; channels/local.ts lists
 * them). In a file of its own so that the per-channel files and the registry do not import each
 * other.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestStore } from "../core/ports";
import type { ApproverSettings, WorkflowSettings } from "../core/settings";
import type { FakeSns, PublishedMessage } from "../local/fake-sns";
import type { ApproverAsked, SandboxEvent } from "../local/round-events";
import type { SandboxReviewers } from "./automated/local-options";

export interface LocalChannelContext {
  region: string;
  account: string;
  stack: string;
  /** The approval page's base URL, with a trailing slash. */
  pageUrl: string;
  settings: WorkflowSettings;
  /** This channel's approvers, each name once. */
  approvers: ApproverSettings[];
  topicArnOf(approver: string): string;
  sns: FakeSns;
  store: RequestStore;
  /** Invokes a local function by topology key, as its AWS trigger would (e.g. EventBridge). */
  invoke(functionKey: string, payload: unknown): Promise<unknown>;
  /** The approver was asked (the sandbox prints the email and link). */
  asked(entry: ApproverAsked): void;
  /** Something may have recorded a decision: read the record again. */
  refreshDecisions(): Promise<void>;
  emit(event: SandboxEvent): void;
  /** A pause that the sandbox's stop cuts short. */
  sleep(ms: number): Promise<void>;
  stopping(): boolean;
  /** How the automated reviewers are played locally (--reviewer, --bedrock-answer, --bedrock-rules). */
  reviewers?: SandboxReviewers;
}

export interface LocalRoute {
  /** Path prefix on the page server, e.g. "/console/". */
  prefix: string;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface LocalChannel {
  /** `AWS_ENDPOINT_URL_<SERVICE>` values the channel's functions need beyond the shared ones. */
  endpoints: Record<string, string>;
  /** Environment values by variable name, as the deployed stack provides them. */
  environment: Record<string, string>;
  routes: LocalRoute[];
  /** A message was published to one of this channel's approvers' topics. */
  onPublish?(message: PublishedMessage, approver: ApproverSettings): void;
  /** A function of this channel returned (e.g. ssm-start's result names the automation). */
  onInvoked?(functionKey: string, payload: unknown, result: unknown): void;
  stop(): Promise<void>;
}

export interface LocalChannelFactory {
  start(ctx: LocalChannelContext): Promise<LocalChannel>;
}
