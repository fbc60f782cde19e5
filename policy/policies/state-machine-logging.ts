import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { packPolicy } from "../lib/validate";

const ACCEPTED_LEVELS = ["ERROR", "ALL"];
/** Step Functions wants the log group ARN with the `:*` suffix. */
const LOG_GROUP_ARN = /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:.+:\*$/;

export const stateMachineLogging = packPolicy({
  name: "state-machine-logging",
  description: "Step Functions state machines log (level ERROR or ALL) to a CloudWatch log group.",
  resourceTypes: [ResourceTypes.stateMachine],
  validate: ({ props, report, notChecked }) => {
    const logging = valueAt(props, "loggingConfiguration");
    if (logging === UNKNOWN) return notChecked("loggingConfiguration");
    if (logging === undefined || logging === null) {
      report("The state machine does not log; set loggingConfiguration with level ERROR or ALL and a logDestination.");
      return;
    }
    const level = valueAt(logging, "level");
    if (level === UNKNOWN) notChecked("loggingConfiguration.level");
    else if (!ACCEPTED_LEVELS.includes(level as string)) {
      report(
        typeof level === "string"
          ? `loggingConfiguration.level is "${level}"; use ERROR or ALL.`
          : "loggingConfiguration.level is not set (Step Functions then logs nothing); use ERROR or ALL.",
      );
    }
    const destination = valueAt(logging, "logDestination");
    if (destination === UNKNOWN) return notChecked("loggingConfiguration.logDestination");
    if (typeof destination !== "string" || destination === "") {
      report('loggingConfiguration has no logDestination; set it to a log group ARN ending in ":*".');
    } else if (!LOG_GROUP_ARN.test(destination)) {
      report(`loggingConfiguration.logDestination "${destination}" is not a CloudWatch log group ARN ending in ":*".`);
    }
  },
});
