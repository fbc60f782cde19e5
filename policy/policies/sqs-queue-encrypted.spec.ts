import { strict as assert } from "node:assert";
import { queue } from "../testing/fixtures";
import { analyze, engineUnknown, violationsOf } from "../testing/harness";
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

  it("reports a key unknown during preview as not checked unless SSE-SQS already encrypts the queue", async () => {
    assert.deepEqual(
      await analyze(policy, queue({ sqsManagedSseEnabled: undefined, kmsMasterKeyId: engineUnknown.string })),
      { violations: [], notChecked: "kmsMasterKeyId: could not be checked during preview; checked at `pulumi up`." },
    );
    assert.deepEqual(await analyze(policy, queue({ kmsMasterKeyId: engineUnknown.string })), { violations: [] });
  });
});
