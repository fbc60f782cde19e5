import { strict as assert } from "node:assert";
import { lambdaFunction } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
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

  it("reports a logging config unknown during preview as not checked", async () => {
    const notChecked = {
      violations: [],
      notChecked: "loggingConfig.logFormat: could not be checked during preview; checked at `pulumi up`.",
    };
    assert.deepEqual(await analyze(policy, lambdaFunction({ loggingConfig: engineUnknown.object })), notChecked);
    assert.deepEqual(
      await analyze(policy, lambdaFunction({ loggingConfig: { logFormat: engineUnknown.string } })),
      notChecked,
    );
  });
});
