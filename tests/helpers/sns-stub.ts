/**
 * A stand-in for the SNS endpoint that answers the two calls the notify handler makes, `Publish`
 * and `ListSubscriptionsByTopic` (AWS query protocol), and records what was published.
 * `startSnsStub()` points `AWS_ENDPOINT_URL_SNS` at it so the real handler runs unchanged;
 * `stop()` restores the environment and closes the server.
 *
 * Each topic has the email subscriptions a test gives it (`subscribe`); a topic without one has
 * none, as after a mail scanner unsubscribed the approver. A pending subscription has no ARN yet
 * ("PendingConfirmation"), as SNS lists it.
 * https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html
 */
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { closeServer, listenOnLoopback, localAwsEnv, setEnv } from "../../devkit/loopback";

export interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
}

export interface StubSubscription {
  email: string;
  confirmed: boolean;
}

export interface SnsStub {
  endpoint: string;
  published: PublishedMessage[];
  /** Topic ARN → its email subscriptions. */
  subscriptions: Map<string, StubSubscription[]>;
  /** Gives the topic a (by default confirmed) email subscription. */
  subscribe(topicArn: string, email: string, confirmed?: boolean): void;
  stop(): Promise<void>;
}

const XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function subscriptionsXml(topicArn: string, subscriptions: StubSubscription[]): string {
  const members = subscriptions
    .map(
      (s) =>
        `<member><TopicArn>${escapeXml(topicArn)}</TopicArn><Protocol>email</Protocol>` +
        `<SubscriptionArn>${s.confirmed ? `${escapeXml(topicArn)}:${randomUUID()}` : "PendingConfirmation"}</SubscriptionArn>` +
        `<Owner>123456789012</Owner><Endpoint>${escapeXml(s.email)}</Endpoint></member>`,
    )
    .join("");
  return (
    `<ListSubscriptionsByTopicResponse xmlns="${XMLNS}"><ListSubscriptionsByTopicResult><Subscriptions>${members}</Subscriptions>` +
    `</ListSubscriptionsByTopicResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></ListSubscriptionsByTopicResponse>`
  );
}

export async function startSnsStub(): Promise<SnsStub> {
  const published: PublishedMessage[] = [];
  const subscriptions = new Map<string, StubSubscription[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      res.setHeader("content-type", "text/xml");
      const action = params.get("Action");
      if (action === "ListSubscriptionsByTopic") {
        const topicArn = params.get("TopicArn") ?? "";
        res.end(subscriptionsXml(topicArn, subscriptions.get(topicArn) ?? []));
        return;
      }
      if (action !== "Publish") {
        res.statusCode = 400;
        res.end(
          `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>stub accepts Publish and ListSubscriptionsByTopic only</Message></Error></ErrorResponse>`,
        );
        return;
      }
      published.push({
        topicArn: params.get("TopicArn") ?? "",
        subject: params.get("Subject") ?? undefined,
        message: params.get("Message") ?? "",
      });
      res.end(
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>` +
          `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  const endpoint = await listenOnLoopback(server, "sns");
  const restoreEnv = setEnv({ ...localAwsEnv(), AWS_ENDPOINT_URL_SNS: endpoint });
  return {
    endpoint,
    published,
    subscriptions,
    subscribe(topicArn, email, confirmed = true) {
      subscriptions.set(topicArn, [...(subscriptions.get(topicArn) ?? []), { email, confirmed }]);
    },
    stop: async () => {
      restoreEnv();
      await closeServer(server);
    },
  };
}
