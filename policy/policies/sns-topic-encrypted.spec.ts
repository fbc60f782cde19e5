import { strict as assert } from "node:assert";
import { topic } from "../testing/fixtures";
import { engineUnknown, violationsOf } from "../testing/harness";
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

  it("skips a key ARN unknown during preview", async () => {
    assert.deepEqual(await violationsOf(policy, topic({ kmsMasterKeyId: engineUnknown.string })), []);
  });
});
