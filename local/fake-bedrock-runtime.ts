/**
 * A local Amazon Bedrock Runtime endpoint for the Converse operation, in the REST-JSON protocol
 * that @aws-sdk/client-bedrock-runtime speaks, over HTTP/2 as that client does (its default
 * request handler is NodeHttp2Handler; cleartext with prior knowledge for an http:// endpoint):
 * `POST /model/<modelId>/converse` with a JSON body,
 * answered with `{ output: { message }, stopReason, usage, metrics }`, or with an error as
 * Bedrock sends one (its HTTP status, `x-amzn-errortype`, `{ "message" }`).
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 *
 * The shipped Bedrock reviewer reaches it unchanged through AWS_ENDPOINT_URL_BEDROCK_RUNTIME. What
 * it answers is chosen per request by rules (local/bedrock-answers.ts); it plays the model's side
 * only and has no model: it never reads the request to decide anything beyond the rules' patterns.
 * It keeps every request it received, for the tests to check what the model was sent.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { createServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from "node:http2";
import type { Server } from "node:http";
import { listenOnLoopback, loopbackUrl } from "./loopback";
import { readBody } from "./request-body";
import { chooseAnswer, DEFAULT_ANSWER, ERROR_STATUS, type StandInAnswer, type StandInRules } from "./bedrock-answers";

const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
const CONVERSE_PATH = /^\/model\/([^/]+)\/converse$/;

/** A Converse request as the stand-in received it. */
export interface ReceivedConverse {
  modelId: string;
  body: {
    system?: { text?: string }[];
    messages?: { role: string; content: { text?: string }[] }[];
    inferenceConfig?: { maxTokens?: number; temperature?: number };
    toolConfig?: { tools?: { toolSpec?: { name?: string; inputSchema?: { json?: unknown } } }[]; toolChoice?: unknown };
  };
  answer: StandInAnswer;
}

export interface FakeBedrockRuntime {
  endpoint: string;
  received: readonly ReceivedConverse[];
  /** Replaces the rules (tests). */
  setRules(rules: StandInRules): void;
  stop(): Promise<void>;
}

/** The text of the request's user turns, which the rules' patterns are matched against. */
function userText(body: ReceivedConverse["body"]): string {
  return (body.messages ?? [])
    .filter((m) => m.role === "user")
    .flatMap((m) => m.content.map((c) => c.text ?? ""))
    .join("\n");
}

const tokensOf = (value: unknown) => Math.ceil(JSON.stringify(value ?? "").length / 4);

function toolName(body: ReceivedConverse["body"]): string {
  return body.toolConfig?.tools?.[0]?.toolSpec?.name ?? "tool";
}

function send(res: Http2ServerResponse, status: number, body: string, errorType?: string): void {
  if (res.writableEnded || res.destroyed) return;
  const headers: Record<string, string> = { "content-type": "application/json", "x-amzn-requestid": randomUUID() };
  if (errorType !== undefined) headers["x-amzn-errortype"] = errorType;
  res.writeHead(status, headers);
  res.end(body);
}

function converseOutput(body: ReceivedConverse["body"], content: object[], stopReason: string) {
  return JSON.stringify({
    output: { message: { role: "assistant", content } },
    stopReason,
    usage: {
      inputTokens: tokensOf([body.system, body.messages, body.toolConfig]),
      outputTokens: tokensOf(content),
      totalTokens: tokensOf([body.system, body.messages, body.toolConfig]) + tokensOf(content),
    },
    metrics: { latencyMs: 1 },
  });
}

/** Sends one answer (a sequence's next one, after a delay's pause). */
async function play(
  answer: StandInAnswer,
  body: ReceivedConverse["body"],
  res: Http2ServerResponse,
  calls: WeakMap<object, number>,
): Promise<void> {
  if ("sequence" in answer) {
    const n = calls.get(answer) ?? 0;
    calls.set(answer, n + 1);
    return play(answer.sequence[Math.min(n, answer.sequence.length - 1)], body, res, calls);
  }
  if ("delayMs" in answer) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, answer.delayMs);
      // The caller gave up (its deadline): nothing more to send.
      res.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return play(answer.then, body, res, calls);
  }
  const tool = (input: unknown) => ({
    toolUse: { toolUseId: `tooluse_${randomUUID()}`, name: toolName(body), input },
  });
  if ("decision" in answer)
    return send(
      res,
      200,
      converseOutput(
        body,
        [tool({ decision: answer.decision, comment: answer.comment ?? `Local stand-in: ${answer.decision}.` })],
        "tool_use",
      ),
    );
  if ("toolInput" in answer) return send(res, 200, converseOutput(body, [tool(answer.toolInput)], "tool_use"));
  if ("text" in answer) return send(res, 200, converseOutput(body, [{ text: answer.text }], "end_turn"));
  if ("refusal" in answer) return send(res, 200, converseOutput(body, [{ text: answer.refusal }], "content_filtered"));
  if ("malformed" in answer)
    return answer.malformed === "body"
      ? send(res, 200, '{"output": {"message": {"role": "assistant", "content": [{"toolUse": ')
      : send(res, 200, converseOutput(body, [tool('{"decision": "approve", "comment": "Looks fi')], "tool_use"));
  return send(
    res,
    ERROR_STATUS[answer.error] ?? 400,
    JSON.stringify({ message: answer.message ?? `local stand-in: ${answer.error}` }),
    answer.error,
  );
}

export async function startFakeBedrockRuntime(options: { rules?: StandInRules } = {}): Promise<FakeBedrockRuntime> {
  let rules: StandInRules = options.rules ?? { rules: [], default: DEFAULT_ANSWER };
  const received: ReceivedConverse[] = [];
  const calls = new WeakMap<object, number>();

  async function handle(req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> {
    try {
      const match = CONVERSE_PATH.exec((req.url ?? "").split("?")[0]);
      if (req.method !== "POST" || match === null) {
        send(
          res,
          404,
          JSON.stringify({
            message: `the local Bedrock stand-in implements Converse only, not ${req.method} ${req.url}`,
          }),
          "UnknownOperationException",
        );
        return;
      }
      const modelId = decodeURIComponent(match[1]);
      let body: ReceivedConverse["body"];
      try {
        body = JSON.parse(
          (await readBody(req as unknown as IncomingMessage, MAX_REQUEST_BYTES)).toString("utf8"),
        ) as ReceivedConverse["body"];
      } catch {
        send(res, 400, JSON.stringify({ message: "request body is not JSON" }), "ValidationException");
        return;
      }
      const answer = chooseAnswer(rules, modelId, userText(body));
      received.push({ modelId, body, answer });
      await play(answer, body, res, calls);
    } catch (error) {
      send(
        res,
        500,
        JSON.stringify({ message: error instanceof Error ? error.message : String(error) }),
        "InternalServerException",
      );
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  const sessions = new Set<Http2Session>();
  server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const port = await listenOnLoopback(server as unknown as Server);
  return {
    endpoint: loopbackUrl(port),
    received,
    setRules(next) {
      rules = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients keep HTTP/2 sessions open; close() waits for them otherwise.
        for (const session of sessions) session.destroy();
      }),
  };
}
