import { strict as assert } from "node:assert";
import { lambdaFunction } from "../testing/fixtures";
import { engineUnknown, violationsOf } from "../testing/harness";
import { lambdaJsonLogging as policy } from "./lambda-json-logging";

describe("policy lambda-json-logging", () => {
  it("accepts JSON log format", async () => {
    assert.deepEqual(await violationsOf(policy, lambdaFunction()), []);
  });

  it("catches Text log format", async () => {
    assert.deepEqual(await violationsOf(policy, lambdaFunction({ loggingConfig: { logFormat: "Text" } })), [
      'loggingConfig.logFormat is "Text"; set it to "JSON".',
    ]);
  });

  it("catches a function without loggingConfig", async () => {
    assert.deepEqual(await violationsOf(policy, lambdaFunction({ loggingConfig: undefined })), [
      'loggingConfig.logFormat is not set (Lambda then logs plain text); set it to "JSON".',
    ]);
  });

  it("skips unknown logging config during preview", async () => {
    assert.deepEqual(await violationsOf(policy, lambdaFunction({ loggingConfig: engineUnknown.object })), []);
    assert.deepEqual(
      await violationsOf(policy, lambdaFunction({ loggingConfig: { logFormat: engineUnknown.string } })),
      [],
    );
  });
});
