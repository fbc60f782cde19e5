/**
 * Is this approver's email subscription confirmed? SNS delivers to a topic's confirmed
 * subscriptions only, and deletes one that stays unconfirmed for 48 hours; anyone (a mail scanner,
 * as is commonly reported) following the unsubscribe link of an earlier email removes a confirmed
 * one unless it was confirmed with AuthenticateOnUnsubscribe (README: approver email
 * subscriptions, with the sources). Either way the approver would never see the request, so the
 * notify function checks before it asks.
 *
 * ListSubscriptionsByTopic returns up to 100 subscriptions a page (NextToken for more); a
 * pending one has no ARN yet ("PendingConfirmation"), so only ARNs count as confirmed.
 * https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html
 */
import { ListSubscriptionsByTopicCommand, type ListSubscriptionsByTopicCommandOutput } from "@aws-sdk/client-sns";

export interface SubscriptionsClient {
  send(command: ListSubscriptionsByTopicCommand): Promise<ListSubscriptionsByTopicCommandOutput>;
}

/** True when the topic has a confirmed email subscription for `email` (case-insensitive). */
export async function hasConfirmedEmailSubscription(
  client: SubscriptionsClient,
  topicArn: string,
  email: string,
): Promise<boolean> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: nextToken }));
    const confirmed = (page.Subscriptions ?? []).some(
      (s) =>
        s.Protocol === "email" &&
        s.Endpoint?.toLowerCase() === email.toLowerCase() &&
        (s.SubscriptionArn ?? "").startsWith("arn:"),
    );
    if (confirmed) return true;
    nextToken = page.NextToken;
  } while (nextToken);
  return false;
}
