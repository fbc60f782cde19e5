import { strict as assert } from "node:assert";
import { lambdaFunction } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { lambdaRuntimeSupported as policy } from "./lambda-runtime-supported";

describe("policy lambda-runtime-supported", () => {
  it("accepts nodejs22.x and later", async () => {
    for (const runtime of ["nodejs22.x", "nodejs24.x", "nodejs26.x"]) {
      assert.deepEqual(await violationsOf(policy, lambdaFunction({ runtime })), [], runtime);
    }
  });

  it("catches older Node.js runtimes", async () => {
    assert.deepEqual(await violationsOf(policy, lambdaFunction({ runtime: "nodejs20.x" })), [
      'Runtime "nodejs20.x" is older than nodejs22.x; use nodejs22.x or later.',
    ]);
    assert.equal((await violationsOf(policy, lambdaFunction({ runtime: "nodejs16.x" }))).length, 1);
  });

  it("accepts non-Node.js runtimes on the allow-list and catches deprecated ones", async () => {
    assert.deepEqual(await violationsOf(policy, lambdaFunction({ runtime: "python3.13" })), []);
    assert.deepEqual(await violationsOf(policy, lambdaFunction({ runtime: "python3.9" })), [
      'Runtime "python3.9" is deprecated or not on the allow-list (allowedOtherRuntimes); use nodejs22.x or later.',
    ]);
    for (const runtime of ["go1.x", "java8", "provided", "ruby2.7", "dotnet6"]) {
      assert.equal((await violationsOf(policy, lambdaFunction({ runtime }))).length, 1, runtime);
    }
  });

  it("takes its minimum Node.js version and allow-list from config", async () => {
    assert.equal(
      (await violationsOf(policy, lambdaFunction({ runtime: "nodejs22.x" }), { minimumNodejsVersion: 24 })).length,
      1,
    );
    assert.deepEqual(
      await violationsOf(policy, lambdaFunction({ runtime: "java17" }), { allowedOtherRuntimes: ["java17"] }),
      [],
    );
  });

  it("does not apply to container images, which bring their own runtime", async () => {
    assert.deepEqual(
      await analyze(policy, lambdaFunction({ runtime: undefined, packageType: "Image", imageUri: "x" })),
      {
        violations: [],
        notApplicable: "Policy does not apply to container images, which bring their own runtime",
      },
    );
  });

  it("reports a runtime unknown during preview as not checked", async () => {
    assert.deepEqual(await analyze(policy, lambdaFunction({ runtime: engineUnknown.string })), {
      violations: [],
      notChecked: "runtime: could not be checked during preview; checked at `pulumi up`.",
    });
  });
});
