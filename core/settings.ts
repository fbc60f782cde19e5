/**
 * The validated stack config: what the component, the definition builder and the sandbox build
 * from. Produced by core/config.ts from the raw config and the channel registry.
 */
import type { SelfApproval } from "./self-approval";
import type { JsonValue } from "./asl";
import type { DecidedDelivery } from "./decided-event";
import type { ApproverMode, ChannelKind } from "./model";

export type { SelfApproval };

export interface ApproverSettings {
  /** Unique within its stage; the approver's stable identity (it names their resources). */
  name: string;
  channel: ChannelKind;
  mode: ApproverMode;
  /** Where the question goes and who a decision is attributed to by default. */
  address: string;
  /** The person's email, for channels that notify by email (one SNS topic per approver name). */
  email?: string;
  /** The channel's own settings for this approver, passed to its ask function as they are. */
  options: { [key: string]: JsonValue };
  /** Who is asked as well when this approver has not decided after `escalateAfterSeconds` (see core/follow-ups.ts). */
  backup?: BackupSettings;
}

/** A backup approver: a person with an email (their own topic), asked for the rest of the deadline. */
export interface BackupSettings {
  name: string;
  email: string;
  escalateAfterSeconds: number;
}

/** OpenID Connect sign-in on the approval page (core/sign-in-config.ts). */
export interface SignInSettings {
  /** The OpenID Provider's issuer URL (https). */
  issuer: string;
  clientId: string;
  /** The SSM SecureString parameter holding the client secret: its full ARN, or its name in the stack's account and Region. */
  clientSecretParameter: string;
}

/** Whether a requester may approve their own request (core/self-approval.ts). */

export interface StageSettings {
  name: string;
  /** Approvals of voting approvers that approve the stage. */
  quorum: number;
  /** How long each approver of the stage has, in seconds. */
  timeoutSeconds: number;
  approvers: ApproverSettings[];
  /** An approver who has not decided is sent their link again this often, until their deadline. */
  remindEverySeconds?: number;
}

export interface WorkflowSettings {
  stages: StageSettings[];
  /** True when the config used the flat keys (approvers / quorum / approvalTimeout): one stage. */
  flat: boolean;
  /** Where the "Approval Decided" event goes (eventBus, requesterTopic); unset: the default bus only. */
  decided?: DecidedDelivery;
  /** Default "deny": the requester is not asked, and (signed in) cannot decide. */
  selfApproval: SelfApproval;
  signIn?: SignInSettings;
}

/** The voting approvers of a stage (those whose decision counts toward its quorum). */
export const votersOf = (stage: StageSettings): ApproverSettings[] => stage.approvers.filter((a) => a.mode === "vote");

/** Every approver of every stage, each name once, in order of first appearance. */
export function distinctApprovers(settings: WorkflowSettings): ApproverSettings[] {
  const seen = new Map<string, ApproverSettings>();
  for (const stage of settings.stages)
    for (const approver of stage.approvers) if (!seen.has(approver.name)) seen.set(approver.name, approver);
  return [...seen.values()];
}

export const channelsInUse = (settings: WorkflowSettings): ChannelKind[] => [
  ...new Set(settings.stages.flatMap((stage) => stage.approvers.map((a) => a.channel))),
];
