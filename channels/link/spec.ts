/**
 * The link channel: a person decides on the HTTPS approval page, through a personal link emailed
 * to them through their SNS topic. The ask function keeps the task token in the request store
 * and mails only the link; the page records the decision. Pure: config schema, limits, branch
 * shape and functions.
 */
import { z } from "zod";
import { CHANNEL_THROTTLED_RETRY, USUAL_NO_VERDICT_ERRORS, type ChannelSpec } from "../../core/channel-spec";
import { approverNameSchema } from "../../core/config";
import { ENV } from "../../core/environment";
import { MAX_EXECUTION_WAIT_SECONDS } from "../../core/limits";
import { GRANT } from "../../core/topology";
import { LINK } from "./kind";

// The kind lives in kind.ts so that handlers can import it without this module (zod, config rules).
export { LINK };

/** Grants the link channel exposes (channels/link/infra.ts). */
export const LINK_GRANT = {
  /** Publish to, and check the subscriptions of, exactly the link approvers' topics. */
  approverTopics: "link.approverTopics",
  /** Sign-in (optional): read the client secret and the session key, by exact ARN. */
  signInSecrets: "link.signInSecrets",
} as const;

export const linkEntrySchema = z.strictObject({
  name: approverNameSchema,
  email: z.email({ error: "email must be a valid email address" }),
});

export type LinkEntry = z.infer<typeof linkEntrySchema>;

export const linkChannel: ChannelSpec<LinkEntry> & { kind: typeof LINK } = {
  kind: LINK,
  markerKeys: [],
  fields:
    "a link approver has name and email (add iamPrincipal to decide in the AWS console, or reviewer for an automated review)",
  schema: linkEntrySchema,
  toApprover: ({ name, email }) => ({ name, channel: LINK, mode: "vote", address: email, email, options: {} }),
  maxTimeoutSeconds: MAX_EXECUTION_WAIT_SECONDS,
  maxTimeoutReason: "whose wait must fit in a Step Functions execution",
  notifiesByEmail: true,
  branch: {
    wait: "taskToken",
    askFunction: "notify-approver",
    noVerdictErrors: USUAL_NO_VERDICT_ERRORS,
    // notify-approver turns SNS throttling into Approval.ChannelThrottled: back off before counting them as failed.
    retry: [CHANNEL_THROTTLED_RETRY],
    // The link stays the same, so the ask can be sent again (a reminder) and shared with a backup.
    followUp: true,
  },
  functions: [
    {
      key: "notify-approver",
      entry: "notify-approver",
      description: "Stores an approver's task token and emails the approval link",
      env: [ENV.tableName, ENV.recordRetentionDays, ENV.approvalPageUrl],
      table: ["GetItem", "PutItem", "UpdateItem"],
      grants: [LINK_GRANT.approverTopics],
      invokedBy: ["stateMachine"],
      channel: LINK,
    },
    {
      key: "approval-page",
      entry: "approval-page",
      description: "Shows the approval page and records decisions",
      env: [ENV.tableName, ENV.recordRetentionDays],
      optionalEnv: [
        ENV.signInIssuer,
        ENV.signInClientId,
        ENV.signInClientSecretParameter,
        ENV.signInSessionKeyParameter,
      ],
      table: ["GetItem", "UpdateItem"],
      grants: [GRANT.taskCallbacks, LINK_GRANT.signInSecrets],
      invokedBy: ["api"],
      channel: LINK,
    },
  ],
};
