import { ResourceValidationPolicy } from "@pulumi/policy";
import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { validateResourcesOfTypes } from "../lib/validate";

/** JSON logs are queryable in CloudWatch Logs Insights and carry the log level. */
export const lambdaJsonLogging: ResourceValidationPolicy = {
  name: "lambda-json-logging",
  description: 'Lambda functions log in JSON (loggingConfig.logFormat "JSON").',
  enforcementLevel: "mandatory",
  validateResource: validateResourcesOfTypes([ResourceTypes.lambdaFunction], (props, _args, reportViolation) => {
    const format = valueAt(props, "loggingConfig", "logFormat");
    if (format === UNKNOWN || format === "JSON") return;
    if (typeof format === "string" && format !== "") {
      reportViolation(`loggingConfig.logFormat is "${format}"; set it to "JSON".`);
    } else {
      reportViolation('loggingConfig.logFormat is not set (Lambda then logs plain text); set it to "JSON".');
    }
  }),
};
