import { strict as assert } from "node:assert";
import { topic } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
import { snsTopicEncrypted as policy } from "./sns-topic-encrypted";

describe("policy sns-topic-encrypted", () => {
  it("accepts a topic with a KMS key", async () => {
    assert.deepEqual(await violationsOf(policy, topic()), []);
  });

  it("catches an unencrypted topic", async () => {
    const message =
      'The topic is not encrypted at rest; set kmsMasterKeyId (e.g. "alias/aws/sns" or a key of your own).';
    assert.deepEqual(await violationsOf(policy, topic({ kmsMasterKeyId: undefined })), [message]);
    assert.deepEqual(await violationsOf(policy, topic({ kmsMasterKeyId: "" })), [message]);
  });

  it("reports a key ARN unknown during preview as not checked", async () => {
    assert.deepEqual(await analyze(policy, topic({ kmsMasterKeyId: engineUnknown.string })), {
      violations: [],
      notChecked: "kmsMasterKeyId: could not be checked during preview; checked at `pulumi up`.",
    });
  });
});
