import { strict as assert } from "node:assert";
import { logGroup } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { logGroupRetention as policy } from "./log-group-retention";

describe("policy log-group-retention", () => {
  it("accepts a log group with a retention", async () => {
    assert.deepEqual(await violationsOf(policy, logGroup()), []);
  });

  it("catches a log group that keeps logs forever (no retention, or 0)", async () => {
    const message = "The log group keeps its logs forever; set retentionInDays.";
    assert.deepEqual(await violationsOf(policy, logGroup({ retentionInDays: undefined })), [message]);
    assert.deepEqual(await violationsOf(policy, logGroup({ retentionInDays: 0 })), [message]);
  });

  it("reports a retention unknown during preview as not checked", async () => {
    assert.deepEqual(await analyze(policy, logGroup({ retentionInDays: engineUnknown.number })), {
      violations: [],
      notChecked: "retentionInDays: could not be checked during preview; checked at `pulumi up`.",
    });
  });
});
