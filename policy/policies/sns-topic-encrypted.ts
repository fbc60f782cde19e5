import { ResourceValidationPolicy } from "@pulumi/policy";
import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { validateResourcesOfTypes } from "../lib/validate";

export const snsTopicEncrypted: ResourceValidationPolicy = {
  name: "sns-topic-encrypted",
  description: "SNS topics are encrypted at rest with a KMS key (kmsMasterKeyId).",
  enforcementLevel: "mandatory",
  validateResource: validateResourcesOfTypes([ResourceTypes.snsTopic], (props, _args, reportViolation) => {
    const key = valueAt(props, "kmsMasterKeyId");
    if (key === UNKNOWN || (typeof key === "string" && key.trim() !== "")) return;
    reportViolation(
      'The topic is not encrypted at rest; set kmsMasterKeyId (e.g. "alias/aws/sns" or a key of your own).',
    );
  }),
};
