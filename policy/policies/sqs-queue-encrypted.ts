import { ResourceValidationPolicy } from "@pulumi/policy";
import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { validateResourcesOfTypes } from "../lib/validate";

/**
 * New queues get SSE-SQS by default today, but only an explicit setting in the program keeps
 * it so when the default or the queue's history differ.
 */
export const sqsQueueEncrypted: ResourceValidationPolicy = {
  name: "sqs-queue-encrypted",
  description: "SQS queues are encrypted at rest, explicitly: sqsManagedSseEnabled true or a kmsMasterKeyId.",
  enforcementLevel: "mandatory",
  validateResource: validateResourcesOfTypes([ResourceTypes.sqsQueue], (props, _args, reportViolation) => {
    const managed = valueAt(props, "sqsManagedSseEnabled");
    const key = valueAt(props, "kmsMasterKeyId");
    if (managed === UNKNOWN || key === UNKNOWN) return;
    if (managed === true || (typeof key === "string" && key.trim() !== "")) return;
    reportViolation("The queue is not encrypted at rest; set sqsManagedSseEnabled to true or set kmsMasterKeyId.");
  }),
};
