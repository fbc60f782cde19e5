import { isAccountId, namesASource } from "../lib/resource-policy";
import { ResourceTypes } from "../lib/resource-types";
import { UNKNOWN, valueAt } from "../lib/unknown";
import { packPolicy } from "../lib/validate";

/** `events.amazonaws.com`, `apigateway.amazonaws.com`, `logs.eu-west-1.amazonaws.com`, China's `.amazonaws.com.cn`. */
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/;

/**
 * A Lambda permission adds a statement to the function's resource-based policy. Granted to a
 * service without a source, any resource of that service in any account can invoke the
 * function (for this workflow: anyone's EventBridge rule could feed the result function fake
 * SSM step results). AWS's advice: name the source with `SourceArn` or `SourceAccount`
 * (https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html).
 */
export const lambdaPermissionScoped = packPolicy({
  name: "lambda-permission-scoped",
  description:
    'Lambda permissions name one AWS service principal (never "*", an account or an IAM principal) and the source that may invoke: a sourceArn or a sourceAccount.',
  resourceTypes: [ResourceTypes.lambdaPermission],
  validate: ({ props, report, notChecked }) => {
    const principal = valueAt(props, "principal");
    if (principal === UNKNOWN) notChecked("principal");
    else if (typeof principal === "string" && principal.trim() === "*") {
      report('The permission grants everyone (principal "*"); name the one AWS service that invokes the function.');
    } else if (typeof principal !== "string" || !SERVICE_PRINCIPAL.test(principal)) {
      report(
        `The permission grants ${typeof principal === "string" ? `"${principal}"` : "no principal"}, not an AWS service principal such as "events.amazonaws.com"; grant the one service that invokes the function.`,
      );
    }

    const sourceArn = valueAt(props, "sourceArn");
    const sourceAccount = valueAt(props, "sourceAccount");
    // Each source is checked on its own: one known source does not make the other's check
    // unnecessary (a bad sourceAccount beside a good sourceArn is still a bad statement).
    if (sourceArn === UNKNOWN) notChecked("sourceArn");
    else if (typeof sourceArn === "string" && !namesASource(sourceArn)) {
      report(
        `sourceArn "${sourceArn}" does not name a source (an ARN with its service and account, not only wildcards); set it to the ARN of the resource that invokes the function.`,
      );
    }
    if (sourceAccount === UNKNOWN) notChecked("sourceAccount");
    else if (typeof sourceAccount === "string" && !isAccountId(sourceAccount)) {
      report(`sourceAccount "${sourceAccount}" is not a 12-digit AWS account ID.`);
    }
    // An unknown source is a source the update will set: only its value is left to check.
    const hasSource = (value: unknown) => typeof value === "string" || value === UNKNOWN;
    if (hasSource(sourceArn) || hasSource(sourceAccount)) return;
    report(
      "The permission has no sourceArn or sourceAccount, so any resource of that service, in any account, can invoke the function; set sourceArn to the invoking resource's ARN.",
    );
  },
});
