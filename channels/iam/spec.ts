/**
 * The iam channel: a person who must sign in to AWS decides in the Systems Manager console (or
 * with `aws ssm send-automation-signal`) through an SSM Automation `aws:approve` step started for
 * them alone. Only a correlation id (the ask id) goes to SSM; an EventBridge rule brings the
 * step's end to the result function, which records it. Pure: config schema, limits, branch shape
 * and functions.
 */
import { z } from "zod";
import { CHANNEL_THROTTLED_RETRY, USUAL_NO_VERDICT_ERRORS, type ChannelSpec } from "../../core/channel-spec";
import { approverNameSchema } from "../../core/config";
import { ENV } from "../../core/environment";
import { GRANT } from "../../core/topology";
import { IAM } from "./kind";

// The kind lives in kind.ts so that handlers can import it without this module (zod, config rules).
export { IAM };

/**
 * `aws:approve` waits at most 30 days (its timeoutSeconds limit).
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-approve.html
 */
export const IAM_MAX_TIMEOUT_SECONDS = 30 * 24 * 3600;

/** IAM users and roles, with an optional path; no wildcards (aws:approve needs exact principals). */
export const IAM_PRINCIPAL = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:(?:user|role)\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;

/** Grants the iam channel exposes (channels/iam/infra.ts). */
export const IAM_GRANT = {
  startAutomations: "iam.startApprovalAutomations",
  passAutomationRole: "iam.passAutomationRole",
  stopAutomations: "iam.stopApprovalAutomations",
  readAutomations: "iam.readApprovalAutomations",
  deadLetters: "iam.deadLetters",
} as const;

export const iamEntrySchema = z.strictObject({
  name: approverNameSchema,
  email: z.email({ error: "email must be a valid email address" }),
  iamPrincipal: z.string({ error: "iamPrincipal must be a string" }).regex(IAM_PRINCIPAL, {
    error: "iamPrincipal must be the ARN of an IAM user or role, e.g. arn:aws:iam::123456789012:role/Approver",
  }),
});

export type IamEntry = z.infer<typeof iamEntrySchema>;

export const iamChannel: ChannelSpec<IamEntry> & { kind: typeof IAM } = {
  kind: IAM,
  markerKeys: ["iamPrincipal"],
  fields: "an iam approver has name, email and iamPrincipal",
  schema: iamEntrySchema,
  toApprover: ({ name, email, iamPrincipal }) => ({
    name,
    channel: IAM,
    mode: "vote",
    address: iamPrincipal,
    email,
    options: {},
  }),
  maxTimeoutSeconds: IAM_MAX_TIMEOUT_SECONDS,
  maxTimeoutReason: "whose SSM Automation approvals wait at most 30 days",
  notifiesByEmail: true,
  branch: {
    wait: "taskToken",
    askFunction: "ssm-start",
    noVerdictErrors: USUAL_NO_VERDICT_ERRORS,
    // SSM runs 100 automations at once per account and queues 1,000 more; past that, back off.
    retry: [CHANNEL_THROTTLED_RETRY],
  },
  functions: [
    {
      key: "ssm-start",
      entry: "ssm-start",
      description: "Stores an iam approver's task token and starts their SSM approval",
      env: [ENV.tableName, ENV.recordRetentionDays, ENV.automationDocumentName, ENV.automationRoleArn],
      table: ["GetItem", "PutItem", "UpdateItem"],
      grants: [IAM_GRANT.startAutomations, IAM_GRANT.passAutomationRole, IAM_GRANT.stopAutomations],
      invokedBy: ["stateMachine"],
      channel: IAM,
    },
    {
      key: "ssm-result",
      entry: "ssm-result",
      description: "Records the outcome of an SSM approval step",
      env: [ENV.tableName, ENV.recordRetentionDays, ENV.automationDocumentName],
      table: ["GetItem", "UpdateItem"],
      grants: [IAM_GRANT.readAutomations, GRANT.taskCallbacks, IAM_GRANT.deadLetters],
      invokedBy: ["events"],
      timeoutSeconds: 30,
      channel: IAM,
    },
  ],
};
