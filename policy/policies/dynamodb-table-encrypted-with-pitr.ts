import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { packPolicy } from "../lib/validate";

/** The request store holds task tokens: KMS encryption and point-in-time recovery. */
export const dynamodbTableEncryptedWithPitr = packPolicy({
  name: "dynamodb-table-encrypted-with-pitr",
  description:
    "DynamoDB tables are encrypted with a KMS key (serverSideEncryption.enabled) and have point-in-time recovery (pointInTimeRecovery.enabled).",
  resourceTypes: [ResourceTypes.dynamodbTable],
  validate: ({ props, report, notChecked }) => {
    const encrypted = valueAt(props, "serverSideEncryption", "enabled");
    if (encrypted === UNKNOWN) notChecked("serverSideEncryption.enabled");
    else if (encrypted !== true) {
      report("The table is not encrypted with a KMS key; set serverSideEncryption.enabled to true.");
    }
    const recovery = valueAt(props, "pointInTimeRecovery", "enabled");
    if (recovery === UNKNOWN) notChecked("pointInTimeRecovery.enabled");
    else if (recovery !== true) {
      report("The table has no point-in-time recovery; set pointInTimeRecovery.enabled to true.");
    }
  },
});
