import { strict as assert } from "node:assert";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { SNSClient } from "@aws-sdk/client-sns";
import {
  confirmWithAuthentication,
  explainFailure,
  parseConfirmationLink,
  UsageError,
} from "../cli/confirm-subscription";
import { closeServer, listenOnLoopback } from "../devkit/loopback";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:Automation-finance-abc1234";
const LINK = `https://sns.eu-west-1.amazonaws.com/confirmation.html?TopicArn=${encodeURIComponent(TOPIC)}&Token=2336412f37fb687f5d51e6e2425&Endpoint=finance-lead@example.com`;

interface Seen {
  params: URLSearchParams;
  authorization?: string;
}

/** A stand-in for SNS's query API: answers ConfirmSubscription with `answer`, remembers each request. */
async function snsStandIn(answer: (params: URLSearchParams) => { status: number; xml: string }) {
  const seen: Seen[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const params = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    seen.push({ params, authorization: req.headers.authorization });
    const { status, xml } = answer(params);
    res.writeHead(status, { "content-type": "text/xml" }).end(xml);
  });
  const endpoint = await listenOnLoopback(server, "sns-confirm");
  const client = new SNSClient({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  return { seen, client, stop: () => closeServer(server) };
}

const confirmed = (arn: string) => ({
  status: 200,
  xml: `<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ConfirmSubscriptionResult><SubscriptionArn>${arn}</SubscriptionArn></ConfirmSubscriptionResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ConfirmSubscriptionResponse>`,
});
const refused = (code: string, message: string) => ({
  status: 400,
  xml: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
});

describe("confirm-subscription: parsing the confirmation link", () => {
  it("reads the Region, topic, token and endpoint of a confirmation link", () => {
    assert.deepEqual(parseConfirmationLink(LINK), {
      region: "eu-west-1",
      topicArn: TOPIC,
      token: "2336412f37fb687f5d51e6e2425",
      endpoint: "finance-lead@example.com",
    });
  });

  for (const [what, link, says] of [
    ["text that is no link", "confirm please", /not a link/],
    ["another site", LINK.replace("sns.eu-west-1.amazonaws.com", "example.com"), /not an SNS confirmation link/],
    ["plain http", LINK.replace("https:", "http:"), /not an SNS confirmation link/],
    ["a link without its token", LINK.replace(/&Token=[^&]*/, ""), /no Token/],
    ["a link cut in the topic", LINK.replace(encodeURIComponent(TOPIC), "arn%3Aaws%3Asns"), /no valid TopicArn/],
    [
      "a topic of another Region",
      LINK.replace("sns.eu-west-1", "sns.us-east-1"),
      /in eu-west-1 but the link points to us-east-1/,
    ],
  ] as const) {
    it(`refuses ${what} with a message saying what is wrong`, () => {
      assert.throws(
        () => parseConfirmationLink(link),
        (error: unknown) => error instanceof UsageError && says.test(error.message),
      );
    });
  }
});

describe("confirm-subscription: the signed ConfirmSubscription call", () => {
  it("confirms with AuthenticateOnUnsubscribe=true, the link's topic and token, signed with the caller's credentials", async () => {
    const sns = await snsStandIn(() => confirmed(`${TOPIC}:3c5f`));
    try {
      const arn = await confirmWithAuthentication(sns.client, parseConfirmationLink(LINK));
      assert.equal(arn, `${TOPIC}:3c5f`);
      assert.equal(sns.seen.length, 1);
      const { params, authorization } = sns.seen[0];
      assert.equal(params.get("Action"), "ConfirmSubscription");
      assert.equal(params.get("AuthenticateOnUnsubscribe"), "true");
      assert.equal(params.get("TopicArn"), TOPIC);
      assert.equal(params.get("Token"), "2336412f37fb687f5d51e6e2425");
      assert.match(authorization ?? "", /^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\//);
    } finally {
      await sns.stop();
    }
  });

  it("explains an expired or used token as such, and what to do", async () => {
    const sns = await snsStandIn(() => refused("InvalidParameter", "Invalid token"));
    try {
      const link = parseConfirmationLink(LINK);
      const error = await confirmWithAuthentication(sns.client, link).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.match(explainFailure(error, link), /expire after two days.*pulumi refresh/);
    } finally {
      await sns.stop();
    }
  });

  it("names the permission the caller lacks when SNS refuses authorization", async () => {
    const sns = await snsStandIn(() => refused("AuthorizationError", "User is not authorized"));
    try {
      const link = parseConfirmationLink(LINK);
      const error = await confirmWithAuthentication(sns.client, link).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.match(explainFailure(error, link), new RegExp(`sns:ConfirmSubscription on ${TOPIC}`));
    } finally {
      await sns.stop();
    }
  });
});
