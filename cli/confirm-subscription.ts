/**
 * Confirms an approver's SNS email subscription so that it can only be cancelled with AWS
 * credentials: `ConfirmSubscription` with `AuthenticateOnUnsubscribe=true`, signed with the
 * caller's credentials. Every email SNS sends carries a one-click unsubscribe link, which
 * corporate mail scanners follow; a subscription confirmed this way survives them ("only the
 * topic owner and the subscription owner can unsubscribe the endpoint").
 * https://docs.aws.amazon.com/sns/latest/api/API_ConfirmSubscription.html
 *
 * The link is the "Confirm subscription" link of the confirmation email SNS sends when the stack
 * subscribes the approver (copy it, do not open it): `https://sns.<region>.amazonaws.com/
 * confirmation.html?TopicArn=…&Token=…&Endpoint=…`. Its token is valid for two days
 * (https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html).
 */
import { ConfirmSubscriptionCommand, type ConfirmSubscriptionCommandOutput } from "@aws-sdk/client-sns";

export interface ConfirmationLink {
  region: string;
  topicArn: string;
  token: string;
  endpoint?: string;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const TOPIC_ARN = /^arn:aws(?:-cn|-us-gov)?:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** The parts of a confirmation link, or a UsageError saying what is wrong with it. */
export function parseConfirmationLink(text: string): ConfirmationLink {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new UsageError('that is not a link: pass the whole "Confirm subscription" link from the email, in quotes');
  }
  const host = /^sns\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(url.hostname);
  if (url.protocol !== "https:" || host === null || !url.pathname.endsWith("/confirmation.html")) {
    throw new UsageError(
      `not an SNS confirmation link (expected https://sns.<region>.amazonaws.com/confirmation.html?...), got ${url.origin}${url.pathname}`,
    );
  }
  const topicArn = url.searchParams.get("TopicArn") ?? "";
  const token = url.searchParams.get("Token") ?? "";
  const arn = TOPIC_ARN.exec(topicArn);
  if (arn === null) throw new UsageError("the link has no valid TopicArn: copy the complete link");
  if (token === "") throw new UsageError("the link has no Token: copy the complete link");
  if (arn[1] !== host[1]) throw new UsageError(`the link's topic is in ${arn[1]} but the link points to ${host[1]}`);
  const endpoint = url.searchParams.get("Endpoint") ?? undefined;
  return endpoint === undefined ? { region: host[1], topicArn, token } : { region: host[1], topicArn, token, endpoint };
}

export interface SubscriptionConfirmer {
  send(command: ConfirmSubscriptionCommand): Promise<ConfirmSubscriptionCommandOutput>;
}

/** What went wrong, in words that say what to do about it. */
export function explainFailure(error: unknown, link: ConfirmationLink): string {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(message)) {
    return "no AWS credentials found: run this with credentials of the stack's account (e.g. AWS_PROFILE=...), because an authenticated confirmation must be signed";
  }
  if (
    name === "AuthorizationErrorException" ||
    name === "AuthorizationError" ||
    name === "AccessDeniedException" ||
    name === "AccessDenied"
  ) {
    return `not allowed: the caller needs sns:ConfirmSubscription on ${link.topicArn} (${message})`;
  }
  if (name === "InvalidParameterException" || name === "InvalidParameter") {
    return `SNS refused the token (${message}): confirmation links expire after two days; remove and re-add the subscription (pulumi refresh, then pulumi up) to get a new email`;
  }
  if (name === "NotFoundException" || name === "NotFound")
    return `the topic ${link.topicArn} does not exist in ${link.region}`;
  return `${name || "Error"}: ${message}`;
}

export async function confirmWithAuthentication(
  client: SubscriptionConfirmer,
  link: ConfirmationLink,
): Promise<string> {
  const out = await client.send(
    new ConfirmSubscriptionCommand({ TopicArn: link.topicArn, Token: link.token, AuthenticateOnUnsubscribe: "true" }),
  );
  if (!out.SubscriptionArn) throw new Error("SNS confirmed nothing (no subscription ARN in its answer)");
  return out.SubscriptionArn;
}
