/**
 * The environment variables the workflow's functions read, named once. Each function's entry in
 * the topology lists the ones it needs; the component and the sandbox supply exactly those.
 */

export const ENV = {
  /** The request store's table. */
  tableName: "TABLE_NAME",
  /** Days a closed request (and its asks) is kept before DynamoDB's TTL removes it. */
  recordRetentionDays: "RECORD_RETENTION_DAYS",
  /** The approval page's base URL (with a trailing slash). */
  approvalPageUrl: "APPROVAL_PAGE_URL",
  /** close-request: where the "Approval Decided" event goes, as JSON { eventBus, requesterTopicArn? } (core/decided-event.ts). */
  decidedDelivery: "DECIDED_DELIVERY",
  /** iam channel: the approval Automation document. */
  automationDocumentName: "AUTOMATION_DOCUMENT_NAME",
  /** iam channel: the role Automation assumes to notify the approver. */
  automationRoleArn: "AUTOMATION_ROLE_ARN",
  /** automated channel: the shipped Bedrock reviewer function's ARN ("" when the stack has no Bedrock reviewer). */
  bedrockReviewerFunction: "BEDROCK_REVIEWER_FUNCTION",
  /** Sign-in (optional): the OpenID Provider's issuer and this page's client id. */
  signInIssuer: "SIGN_IN_ISSUER",
  signInClientId: "SIGN_IN_CLIENT_ID",
  /** Sign-in: ARNs of the SSM SecureString parameters holding the client secret and the session key. */
  signInClientSecretParameter: "SIGN_IN_CLIENT_SECRET_PARAMETER",
  signInSessionKeyParameter: "SIGN_IN_SESSION_KEY_PARAMETER",
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** A required variable's value; a missing one is a deployment bug, named in the error. */
export function requireEnv(name: EnvName, env: Record<string, string | undefined> = process.env): string {
  const value = env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set`);
  return value;
}
