import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { packPolicy } from "../lib/validate";

export const logGroupRetention = packPolicy({
  name: "log-group-retention",
  description: "CloudWatch log groups have a retention (retentionInDays); logs are not kept forever.",
  resourceTypes: [ResourceTypes.logGroup],
  validate: ({ props, report, notChecked }) => {
    const days = valueAt(props, "retentionInDays");
    if (days === UNKNOWN) return notChecked("retentionInDays");
    // 0 is CloudWatch's "never expire".
    if (typeof days === "number" && days > 0) return;
    report("The log group keeps its logs forever; set retentionInDays.");
  },
});
