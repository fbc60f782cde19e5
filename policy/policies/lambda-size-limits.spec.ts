import { strict as assert } from "node:assert";
import { lambdaFunction } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
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

  it("reports values unknown during preview as not checked, and still checks the known ones", async () => {
    assert.deepEqual(
      await analyze(policy, lambdaFunction({ memorySize: engineUnknown.number, timeout: engineUnknown.number })),
      {
        violations: [],
        notChecked: "memorySize; timeout: could not be checked during preview; checked at `pulumi up`.",
      },
    );
    assert.deepEqual(await analyze(policy, lambdaFunction({ memorySize: engineUnknown.number, timeout: 900 })), {
      violations: ["timeout is 900 s; the limit is 60 s."],
      notChecked: "memorySize: could not be checked during preview; checked at `pulumi up`.",
    });
  });
});
