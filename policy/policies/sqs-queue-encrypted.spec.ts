import { strict as assert } from "node:assert";
import { queue } from "../testing/fixtures";
import { engineUnknown, violationsOf } from "../testing/harness";
import { sqsQueueEncrypted as policy } from "./sqs-queue-encrypted";

describe("policy sqs-queue-encrypted", () => {
  it("accepts SSE-SQS or a KMS key", async () => {
    assert.deepEqual(await violationsOf(policy, queue()), []);
    assert.deepEqual(
      await violationsOf(policy, queue({ sqsManagedSseEnabled: undefined, kmsMasterKeyId: "alias/aws/sqs" })),
      [],
    );
  });

  it("catches a queue that does not set encryption explicitly", async () => {
    const message = "The queue is not encrypted at rest; set sqsManagedSseEnabled to true or set kmsMasterKeyId.";
    assert.deepEqual(await violationsOf(policy, queue({ sqsManagedSseEnabled: undefined })), [message]);
    assert.deepEqual(await violationsOf(policy, queue({ sqsManagedSseEnabled: false })), [message]);
  });

  it("skips values unknown during preview", async () => {
    assert.deepEqual(
      await violationsOf(policy, queue({ sqsManagedSseEnabled: undefined, kmsMasterKeyId: engineUnknown.string })),
      [],
    );
  });
});
