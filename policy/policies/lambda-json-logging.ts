import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { packPolicy } from "../lib/validate";

/** JSON logs are queryable in CloudWatch Logs Insights and carry the log level. */
export const lambdaJsonLogging = packPolicy({
  name: "lambda-json-logging",
  description: 'Lambda functions log in JSON (loggingConfig.logFormat "JSON").',
  resourceTypes: [ResourceTypes.lambdaFunction],
  validate: ({ props, report, notChecked }) => {
    const format = valueAt(props, "loggingConfig", "logFormat");
    if (format === UNKNOWN) return notChecked("loggingConfig.logFormat");
    if (format === "JSON") return;
    if (typeof format === "string" && format !== "") {
      report(`loggingConfig.logFormat is "${format}"; set it to "JSON".`);
    } else {
      report('loggingConfig.logFormat is not set (Lambda then logs plain text); set it to "JSON".');
    }
  },
});
