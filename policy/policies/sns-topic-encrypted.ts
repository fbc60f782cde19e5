import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { packPolicy } from "../lib/validate";

export const snsTopicEncrypted = packPolicy({
  name: "sns-topic-encrypted",
  description: "SNS topics are encrypted at rest with a KMS key (kmsMasterKeyId).",
  resourceTypes: [ResourceTypes.snsTopic],
  validate: ({ props, report, notChecked }) => {
    const key = valueAt(props, "kmsMasterKeyId");
    if (key === UNKNOWN) return notChecked("kmsMasterKeyId");
    if (typeof key === "string" && key.trim() !== "") return;
    report('The topic is not encrypted at rest; set kmsMasterKeyId (e.g. "alias/aws/sns" or a key of your own).');
  },
});
