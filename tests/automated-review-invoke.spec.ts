/**
 * automated-review's invocation of a reviewer function with the real @aws-sdk/client-lambda client
 * against the sandbox's local Lambda endpoint: what an answer, a function error, a missing function
 * and a reviewer slower than its deadline become. Only an answer inside the schema is a verdict.
 */
import { strict as assert } from "node:assert";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { clientConfig } from "../lambdas/adapters/aws-client-config";
import { lambdaReviewer } from "../lambdas/automated-review/invoke";
import { outcomeOf, outcomeOfInvokeError } from "../lambdas/automated-review/outcome";
import { startFakeLambda, type FakeLambda, type LocalInvokeTarget } from "../local/fake-lambda";
import { reviewerInput } from "./helpers/reviewer-inputs";

const ARN = "arn:aws:lambda:eu-west-1:123456789012:function:change-lint";

describe("automated-review: invoking a reviewer function (real Lambda client, local endpoint)", () => {
  let lambda: FakeLambda;
  let client: LambdaClient;
  let target: LocalInvokeTarget = async () => ({});
  const seen: unknown[] = [];

  before(async () => {
    lambda = await startFakeLambda(
      new Map([
        [
          ARN,
          (payload) => {
            seen.push(payload);
            return target(payload);
          },
        ],
      ]),
    );
    client = new LambdaClient({
      ...clientConfig,
      endpoint: lambda.endpoint,
      region: "eu-west-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
  });
  after(async () => {
    client.destroy();
    await lambda.stop();
  });

  const ask = (deadlineMs = 5_000, arn = ARN) =>
    lambdaReviewer(() => client)(arn, reviewerInput(), new Date(Date.now() + deadlineMs));

  it("sends the reviewer contract's input and takes an answer inside the schema as the verdict", async () => {
    target = async () => ({ decision: "reject", comment: "Drops a table." });
    assert.deepEqual(await ask(), { kind: "verdict", answer: { decision: "reject", comment: "Drops a table." } });
    assert.equal((seen.at(-1) as { contract: string }).contract, "parallel-approval/reviewer@1");
  });

  it("a reviewer that throws (a function error) abstains with its error", async () => {
    target = async () => Promise.reject(Object.assign(new Error("no diff\nstack..."), { name: "DiffError" }));
    assert.deepEqual(await ask(), { kind: "abstained", reason: "the reviewer failed: DiffError: no diff" });
  });

  it("a reviewer that throws a throttling error is throttled (the state machine backs off)", async () => {
    target = async () => Promise.reject(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));
    assert.equal((await ask()).kind, "throttled");
  });

  it("a function that does not exist abstains, naming it", async () => {
    const outcome = await ask(5_000, "arn:aws:lambda:eu-west-1:123456789012:function:missing");
    assert.equal(outcome.kind, "abstained");
    assert.match((outcome as { reason: string }).reason, /could not be invoked: ResourceNotFoundException/);
  });

  it("a reviewer slower than its deadline abstains: the call is abandoned at the deadline", async () => {
    target = () => new Promise((resolve) => setTimeout(() => resolve({ decision: "approve", comment: "late" }), 3_000));
    const outcome = await ask(200);
    assert.deepEqual(outcome, { kind: "abstained", reason: "the reviewer did not answer within 0 s (its deadline)" });
  });

  it("never reads an approval from anything but a schema-valid answer", () => {
    for (const payload of [
      "approve",
      '"approve"',
      "true",
      '{"decision":"approve"}',
      '{"decision":"APPROVE","comment":"x"}',
      "{",
      "null",
    ])
      assert.notEqual(outcomeOf({ kind: "answered", payload }).kind, "verdict", payload);
    assert.equal(
      outcomeOf({ kind: "functionError", errorType: "Sandbox.Timedout", errorMessage: "Task timed out" }).kind,
      "abstained",
    );
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" });
    assert.equal(outcomeOfInvokeError(throttled, false, 5).kind, "throttled");
    assert.equal(outcomeOfInvokeError(throttled, true, 5).kind, "abstained", "past the deadline, whatever the error");
  });
});
