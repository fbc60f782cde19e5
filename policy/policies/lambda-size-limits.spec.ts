import { strict as assert } from "node:assert";
import { lambdaFunction } from "../testing/fixtures";
import { engineUnknown, violationsOf } from "../testing/harness";
import { lambdaSizeLimits as policy } from "./lambda-size-limits";

describe("policy lambda-size-limits", () => {
  it("accepts small functions, and AWS's defaults when memory and timeout are not set", async () => {
    assert.deepEqual(await violationsOf(policy, lambdaFunction()), []);
    assert.deepEqual(await violationsOf(policy, lambdaFunction({ memorySize: 1024, timeout: 60 })), []);
    assert.deepEqual(await violationsOf(policy, lambdaFunction({ memorySize: undefined, timeout: undefined })), []);
  });

  it("catches a 10 GB Lambda", async () => {
    assert.deepEqual(await violationsOf(policy, lambdaFunction({ memorySize: 10240 })), [
      "memorySize is 10240 MB; the limit is 1024 MB.",
    ]);
  });

  it("catches a long timeout", async () => {
    assert.deepEqual(await violationsOf(policy, lambdaFunction({ timeout: 900 })), [
      "timeout is 900 s; the limit is 60 s.",
    ]);
  });

  it("takes both limits from config", async () => {
    const config = { maxMemoryMb: 512, maxTimeoutSeconds: 10 };
    assert.deepEqual(await violationsOf(policy, lambdaFunction({ memorySize: 1024, timeout: 30 }), config), [
      "memorySize is 1024 MB; the limit is 512 MB.",
      "timeout is 30 s; the limit is 10 s.",
    ]);
  });

  it("skips unknown values during preview", async () => {
    assert.deepEqual(
      await violationsOf(policy, lambdaFunction({ memorySize: engineUnknown.number, timeout: engineUnknown.number })),
      [],
    );
  });
});
