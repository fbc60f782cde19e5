/**
 * A local SSM Parameter Store for the sandbox's sign-in: answers `GetParameter` (awsJson1_1,
 * `X-Amz-Target: AmazonSSM.GetParameter`) for the parameters it holds, by name or ARN, as a
 * decrypted SecureString. Every other SSM call is passed on unchanged to `upstream` (the iam
 * channel's local SSM Automation, when that channel runs too), since the functions have one SSM
 * endpoint. https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html
 */
import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback, loopbackUrl } from "./loopback";
import { readBody } from "./request-body";

export interface ParameterStore {
  endpoint: string;
  stop(): Promise<void>;
}

export interface StoredParameter {
  name: string;
  arn: string;
  value: string;
}

const CONTENT_TYPE = "application/x-amz-json-1.1";

function answer(res: ServerResponse, status: number, body: object, errorType?: string): void {
  res.writeHead(status, {
    "content-type": CONTENT_TYPE,
    "x-amzn-requestid": randomUUID(),
    ...(errorType ? { "x-amzn-errortype": errorType } : {}),
  });
  res.end(JSON.stringify(body));
}

function forward(req: IncomingMessage, body: Buffer, res: ServerResponse, upstream: string): void {
  const target = new URL(upstream);
  const out = httpRequest(
    { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
    (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    },
  );
  out.on("error", (error) => answer(res, 502, { __type: "InternalServerError", message: error.message }));
  out.end(body);
}

export async function startParameterStore(
  parameters: readonly StoredParameter[],
  upstream?: string,
): Promise<ParameterStore> {
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req, 1024 * 1024);
      if (req.headers["x-amz-target"] !== "AmazonSSM.GetParameter") {
        if (upstream !== undefined) return forward(req, body, res, upstream);
        return answer(
          res,
          400,
          { __type: "InvalidAction", message: "only GetParameter is served here" },
          "InvalidAction",
        );
      }
      const { Name } = JSON.parse(body.toString("utf8") || "{}") as { Name?: string };
      const found = parameters.find((p) => p.name === Name || p.arn === Name);
      if (found === undefined)
        return answer(res, 400, { __type: "ParameterNotFound", message: `${Name}` }, "ParameterNotFound");
      answer(res, 200, {
        Parameter: { Name: found.name, ARN: found.arn, Type: "SecureString", Value: found.value, Version: 1 },
      });
    })().catch((error: Error) => answer(res, 500, { __type: "InternalServerError", message: error.message }));
  });
  const port = await listenOnLoopback(server);
  return { endpoint: loopbackUrl(port), stop: () => closeServer(server) };
}
