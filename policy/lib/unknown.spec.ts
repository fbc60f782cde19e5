import { strict as assert } from "node:assert";
import { engineUnknown } from "../testing/harness";
import { isUnknown, plainProps, UNKNOWN, UNKNOWN_SENTINELS, valueAt } from "./unknown";

const engineProxy = require("@pulumi/policy/proxy") as {
  unknownCheckingProxy<T extends object>(props: T): T;
  [key: string]: unknown;
};

describe("policy/lib/unknown: values unknown during preview", () => {
  it("knows exactly the sentinels @pulumi/policy uses", () => {
    const engineSentinels = Object.entries(engineProxy)
      .filter(([key]) => /^unknown[A-Z]\w*Value$/.test(key))
      .map(([, value]) => value);
    assert.equal(engineSentinels.length, 7);
    assert.deepEqual([...UNKNOWN_SENTINELS].sort(), [...engineSentinels].sort());
  });

  it("unwraps the engine's proxy so reading an unknown value does not throw", () => {
    const proxied = engineProxy.unknownCheckingProxy({
      memorySize: engineUnknown.number,
      nested: { arn: engineUnknown.string },
    });
    assert.throws(() => (proxied as Record<string, unknown>).memorySize, /can't be known during preview/);
    const plain = plainProps(proxied);
    assert.equal(isUnknown(plain.memorySize), true);
    assert.equal(valueAt(plain, "nested", "arn"), UNKNOWN);
  });

  it("valueAt tells unknown (anywhere on the path) from absent", () => {
    const props = { loggingConfig: engineUnknown.object, retryPolicy: { maximumRetryAttempts: 3 } };
    assert.equal(valueAt(props, "loggingConfig", "logFormat"), UNKNOWN);
    assert.equal(valueAt(props, "deadLetterConfig", "arn"), undefined);
    assert.equal(valueAt(props, "retryPolicy", "maximumRetryAttempts"), 3);
    assert.equal(valueAt({ a: "text" }, "a", "b"), undefined);
  });
});
