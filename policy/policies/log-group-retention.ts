import { ResourceValidationPolicy } from "@pulumi/policy";
import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { validateResourcesOfTypes } from "../lib/validate";

export const logGroupRetention: ResourceValidationPolicy = {
  name: "log-group-retention",
  description: "CloudWatch log groups have a retention (retentionInDays); logs are not kept forever.",
  enforcementLevel: "mandatory",
  validateResource: validateResourcesOfTypes([ResourceTypes.logGroup], (props, _args, reportViolation) => {
    const days = valueAt(props, "retentionInDays");
    // 0 is CloudWatch's "never expire".
    if (days === UNKNOWN || (typeof days === "number" && days > 0)) return;
    reportViolation("The log group keeps its logs forever; set retentionInDays.");
  }),
};
