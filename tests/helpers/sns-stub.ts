/**
 * A stand-in for the SNS endpoint that accepts `Publish` (AWS query protocol) and records what
 * was published. `startSnsStub()` points `AWS_ENDPOINT_URL_SNS` at it so the real notify handler
 * runs unchanged; `stop()` restores the environment and closes the server.
 */
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { closeServer, listenOnLoopback, localAwsEnv, setEnv } from "./loopback";

export interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
}

export interface SnsStub {
  endpoint: string;
  published: PublishedMessage[];
  stop(): Promise<void>;
}

const XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";

export async function startSnsStub(): Promise<SnsStub> {
  const published: PublishedMessage[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      res.setHeader("content-type", "text/xml");
      if (params.get("Action") !== "Publish") {
        res.statusCode = 400;
        res.end(
          `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>stub accepts Publish only</Message></Error></ErrorResponse>`,
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
    stop: async () => {
      restoreEnv();
      await closeServer(server);
    },
  };
}
