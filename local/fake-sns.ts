/**
 * A local SNS endpoint for the calls the handlers make, `Publish` and `ListSubscriptionsByTopic`,
 * in the AWS query protocol that @aws-sdk/client-sns speaks (form-encoded POST, XML answer). A
 * published message goes to the outbox instead of an email, with the checks SNS itself makes on
 * it, so a message that SNS would refuse is refused here too. Each topic has its approver's email
 * subscription, confirmed unless the sandbox is told otherwise (a pending one has no ARN yet).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback, loopbackUrl } from "./loopback";
import { BodyTooLargeError, readBody } from "./request-body";
import { LocalAwsError } from "./local-aws-error";

const XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";
/** SNS limits: a message of 256 KiB at most, a subject under 100 ASCII characters. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SUBJECT_LENGTH = 99;
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  publishedAt: string;
}

export interface LocalSubscription {
  email: string;
  confirmed: boolean;
}

export interface FakeSnsOptions {
  /** Topics that exist; publishing elsewhere answers NotFound, as SNS does. */
  topicArns: string[];
  /** The email subscription of each topic. */
  subscriptions?: Record<string, LocalSubscription>;
  /** Called for each accepted message, after it is in the outbox. */
  onPublish?: (message: PublishedMessage) => void;
}

export interface FakeSns {
  endpoint: string;
  outbox: PublishedMessage[];
  /** The topic's email subscription as it stands. */
  subscription(topicArn: string): LocalSubscription | undefined;
  /** Confirms or unconfirms a topic's subscription (a scanner that unsubscribed, a lapsed confirmation). */
  setSubscription(topicArn: string, subscription: LocalSubscription | undefined): void;
  /** A publish from inside AWS (e.g. SSM's approval notice), with the same checks as the API's. */
  publishFromService(topicArn: string, subject: string | undefined, message: string): PublishedMessage;
  stop(): Promise<void>;
}

/** SNS's own rule: printable ASCII, starting with a letter, digit or punctuation, under 100 characters. */
export function isValidSubject(subject: string): boolean {
  return subject.length >= 1 && subject.length <= MAX_SUBJECT_LENGTH && /^[\x21-\x7e][\x20-\x7e]*$/.test(subject);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function publish(params: URLSearchParams, topics: Set<string>): Omit<PublishedMessage, "messageId" | "publishedAt"> {
  const topicArn = params.get("TopicArn") ?? params.get("TargetArn");
  if (!topicArn)
    throw new LocalAwsError(
      "InvalidParameter",
      "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter",
    );
  if (!topics.has(topicArn)) throw new LocalAwsError("NotFound", "Topic does not exist", 404);
  const message = params.get("Message");
  if (message === null || message === "")
    throw new LocalAwsError("InvalidParameter", "Invalid parameter: Empty message");
  if (Buffer.byteLength(message, "utf8") > MAX_MESSAGE_BYTES) {
    throw new LocalAwsError("InvalidParameter", "Invalid parameter: Message too long");
  }
  const subject = params.get("Subject") ?? undefined;
  if (subject !== undefined && !isValidSubject(subject))
    throw new LocalAwsError("InvalidParameter", "Invalid parameter: Subject");
  return subject === undefined ? { topicArn, message } : { topicArn, subject, message };
}

function answer(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": randomUUID() });
  res.end(xml);
}

function errorXml(error: LocalAwsError): string {
  const type = error.status >= 500 ? "Receiver" : "Sender";
  return (
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${error.code}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
  );
}

function subscriptionsXml(topicArn: string, subscription: LocalSubscription | undefined): string {
  const members =
    subscription === undefined
      ? ""
      : `<member><TopicArn>${escapeXml(topicArn)}</TopicArn><Protocol>email</Protocol>` +
        `<SubscriptionArn>${subscription.confirmed ? `${escapeXml(topicArn)}:${randomUUID()}` : "PendingConfirmation"}</SubscriptionArn>` +
        `<Owner>000000000000</Owner><Endpoint>${escapeXml(subscription.email)}</Endpoint></member>`;
  return (
    `<ListSubscriptionsByTopicResponse xmlns="${XMLNS}"><ListSubscriptionsByTopicResult><Subscriptions>${members}</Subscriptions>` +
    `</ListSubscriptionsByTopicResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></ListSubscriptionsByTopicResponse>`
  );
}

export async function startFakeSns(options: FakeSnsOptions): Promise<FakeSns> {
  const topics = new Set(options.topicArns);
  const subscriptions = new Map(Object.entries(options.subscriptions ?? {}));
  const outbox: PublishedMessage[] = [];

  function accept(params: URLSearchParams): PublishedMessage {
    const accepted: PublishedMessage = {
      messageId: randomUUID(),
      ...publish(params, topics),
      publishedAt: new Date().toISOString(),
    };
    outbox.push(accepted);
    options.onPublish?.(accepted);
    return accepted;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method !== "POST") throw new LocalAwsError("InvalidAction", "The local SNS endpoint accepts POST only");
      const contentType = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
      if (contentType !== "application/x-www-form-urlencoded") {
        // Another protocol (a newer SDK speaking JSON?) would need its own answer: say so plainly.
        throw new LocalAwsError(
          "InvalidAction",
          `The local SNS endpoint speaks the AWS query protocol only, not ${contentType || "no content type"}`,
        );
      }
      const params = new URLSearchParams((await readBody(req, MAX_REQUEST_BYTES)).toString("utf8"));
      const action = params.get("Action");
      if (action === "ListSubscriptionsByTopic") {
        const topicArn = params.get("TopicArn") ?? "";
        if (!topics.has(topicArn)) throw new LocalAwsError("NotFound", "Topic does not exist", 404);
        answer(res, 200, subscriptionsXml(topicArn, subscriptions.get(topicArn)));
        return;
      }
      if (action !== "Publish")
        throw new LocalAwsError(
          "InvalidAction",
          `The local SNS endpoint implements Publish and ListSubscriptionsByTopic only, not ${action}`,
        );
      const accepted = accept(params);
      answer(
        res,
        200,
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${accepted.messageId}</MessageId></PublishResult>` +
          `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    } catch (error) {
      const snsError =
        error instanceof LocalAwsError
          ? error
          : error instanceof BodyTooLargeError
            ? new LocalAwsError("InvalidParameter", "Invalid parameter: request too large", 413)
            : new LocalAwsError("InternalError", error instanceof Error ? error.message : String(error), 500);
      answer(res, snsError.status, errorXml(snsError));
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  const port = await listenOnLoopback(server);
  return {
    endpoint: loopbackUrl(port),
    outbox,
    subscription: (topicArn) => subscriptions.get(topicArn),
    setSubscription(topicArn, subscription) {
      if (subscription === undefined) subscriptions.delete(topicArn);
      else subscriptions.set(topicArn, subscription);
    },
    publishFromService(topicArn, subject, message) {
      const params = new URLSearchParams({ TopicArn: topicArn, Message: message });
      if (subject !== undefined) params.set("Subject", subject);
      return accept(params);
    },
    stop: () => closeServer(server),
  };
}
