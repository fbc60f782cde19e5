import { ResourceValidationPolicy } from "@pulumi/policy";
import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { validateResourcesOfTypes } from "../lib/validate";

/** The request store holds task tokens: KMS encryption and point-in-time recovery. */
export const dynamodbTableEncryptedWithPitr: ResourceValidationPolicy = {
  name: "dynamodb-table-encrypted-with-pitr",
  description:
    "DynamoDB tables are encrypted with a KMS key (serverSideEncryption.enabled) and have point-in-time recovery (pointInTimeRecovery.enabled).",
  enforcementLevel: "mandatory",
  validateResource: validateResourcesOfTypes([ResourceTypes.dynamodbTable], (props, _args, reportViolation) => {
    const encrypted = valueAt(props, "serverSideEncryption", "enabled");
    if (encrypted !== UNKNOWN && encrypted !== true) {
      reportViolation("The table is not encrypted with a KMS key; set serverSideEncryption.enabled to true.");
    }
    const recovery = valueAt(props, "pointInTimeRecovery", "enabled");
    if (recovery !== UNKNOWN && recovery !== true) {
      reportViolation("The table has no point-in-time recovery; set pointInTimeRecovery.enabled to true.");
    }
  }),
};
