/**
 * The CLI's messages for what AWS refuses, against a local endpoint that answers as Step
 * Functions does: AccessDenied names the action and resource the caller needs (and exits 1), and
 * a caller without states:GetExecutionHistory still waits for the outcome, told once that
 * progress is not shown and why.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { resolve } from "node:path";
import { closeServer, listenOnLoopback, loopbackUrl } from "../local/loopback";
import { SANDBOX_ENV } from "./helpers/serve-sandbox";

const CLI = resolve(__dirname, "..", "cli", "parallel-approval.js");
const MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:approval-workflow-0a1b2c3";
const EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:approval-workflow-0a1b2c3:run-1";
const OUTPUT = {
  outcome: "approved",
  stages: [{ name: "owners", outcome: "approved", quorum: 1, decisions: [] }],
  decisions: [],
  request: { id: "r", subject: "s", approvers: [], stages: [], openedAt: "2030-01-01T00:00:00.000Z" },
};

type Answer = { status: number; body: object };

/** Answers each operation with `answers[operation]` (called once per request), like Step Functions' JSON protocol. */
async function stepFunctions(
  answers: Record<string, () => Answer>,
): Promise<{ endpoint: string; calls: string[]; server: Server }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const operation = String(req.headers["x-amz-target"] ?? "").replace("AWSStepFunctions.", "");
      calls.push(operation);
      const answer = answers[operation]?.() ?? { status: 400, body: { __type: "UnknownOperationException" } };
      res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.0" }).end(JSON.stringify(answer.body));
    });
  });
  return { endpoint: loopbackUrl(await listenOnLoopback(server)), calls, server };
}

const denied = (action: string): Answer => ({
  status: 400,
  body: {
    __type: "com.amazonaws.swf.service.v2.model#AccessDeniedException",
    message: `User: arn:aws:sts::123456789012:assumed-role/ci/gh is not authorized to perform: ${action}`,
  },
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? "", ...SANDBOX_ENV, CI: "true" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

describe("the CLI's messages for what AWS refuses", function () {
  this.timeout(60_000);
  const servers: Server[] = [];
  after(async () => {
    for (const server of servers) await closeServer(server);
  });

  it("AccessDenied on StartExecution: exits 1 naming states:StartExecution on the state machine", async () => {
    const fake = await stepFunctions({ StartExecution: () => denied("states:StartExecution") });
    servers.push(fake.server);
    const result = await run([
      "request",
      "--endpoint-url",
      fake.endpoint,
      "--state-machine-arn",
      MACHINE,
      "--subject",
      "x",
      "--requested-by",
      "ci",
    ]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `not allowed: the caller needs states:StartExecution on ${MACHINE} \\(AWS said: User: .* is not authorized`,
      ),
    );
  });

  it("AccessDenied on DescribeExecution: exits 1 naming states:DescribeExecution on the state machine's executions", async () => {
    const fake = await stepFunctions({ DescribeExecution: () => denied("states:DescribeExecution") });
    servers.push(fake.server);
    const result = await run(["status", EXECUTION, "--endpoint-url", fake.endpoint]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /needs states:DescribeExecution on arn:aws:states:eu-west-1:123456789012:execution:approval-workflow-0a1b2c3:\*/,
    );
  });

  it("without states:GetExecutionHistory: says once that progress is not shown and why, and still exits with the outcome", async () => {
    let polls = 0;
    const fake = await stepFunctions({
      DescribeExecution: () => ({
        status: 200,
        body:
          ++polls < 3
            ? { executionArn: EXECUTION, status: "RUNNING", startDate: 1.9e9 }
            : { executionArn: EXECUTION, status: "SUCCEEDED", startDate: 1.9e9, output: JSON.stringify(OUTPUT) },
      }),
      GetExecutionHistory: () => denied("states:GetExecutionHistory"),
    });
    servers.push(fake.server);
    const result = await run(["wait", EXECUTION, "--endpoint-url", fake.endpoint, "--poll-interval", "1s"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.match(/progress is not shown/g)?.length, 1, result.stderr);
    assert.match(
      result.stderr,
      /the caller needs states:GetExecutionHistory on arn:aws:states:eu-west-1:123456789012:execution:approval-workflow-0a1b2c3:\*/,
    );
    assert.equal(fake.calls.filter((c) => c === "GetExecutionHistory").length, 1, "not asked again after the refusal");
    assert.match(result.stdout, /^Outcome: APPROVED/m);
  });

  it("an endpoint nobody listens on: exits 1 asking whether the sandbox runs", async () => {
    const fake = await stepFunctions({});
    const endpoint = fake.endpoint;
    await closeServer(fake.server);
    const result = await run(["status", EXECUTION, "--endpoint-url", endpoint]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /could not reach http:\/\/127\.0\.0\.1:\d+ \(is the sandbox running\? npm start -- --serve\)/,
    );
  });
});
