import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { packPolicy } from "../lib/validate";

/**
 * New queues get SSE-SQS by default today, but only an explicit setting in the program keeps
 * it so when the default or the queue's history differ.
 */
export const sqsQueueEncrypted = packPolicy({
  name: "sqs-queue-encrypted",
  description: "SQS queues are encrypted at rest, explicitly: sqsManagedSseEnabled true or a kmsMasterKeyId.",
  resourceTypes: [ResourceTypes.sqsQueue],
  validate: ({ props, report, notChecked }) => {
    const managed = valueAt(props, "sqsManagedSseEnabled");
    const key = valueAt(props, "kmsMasterKeyId");
    if (managed === true || (typeof key === "string" && key.trim() !== "")) return;
    if (managed === UNKNOWN || key === UNKNOWN) {
      return notChecked(managed === UNKNOWN ? "sqsManagedSseEnabled" : "kmsMasterKeyId");
    }
    report("The queue is not encrypted at rest; set sqsManagedSseEnabled to true or set kmsMasterKeyId.");
  },
});
