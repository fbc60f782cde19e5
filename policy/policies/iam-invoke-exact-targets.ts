import { hasUnknown, knownValues } from "../lib/iam-document";
import { actionMatches, actionWildcard } from "../lib/iam-actions";
import { allowStatements, IDENTITY_POLICY_TYPES } from "../lib/identity-policies";
import { packPolicy } from "../lib/validate";

/** A Lambda function ARN, optionally with a version or alias; no wildcard anywhere. */
const EXACT_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9_$-]+)?$/;
/** A foundation model, an inference profile or an application inference profile, by exact ARN. */
const EXACT_MODEL_ARN =
  /^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:(?::foundation-model\/|\d{12}:(?:inference-profile|application-inference-profile)\/)[A-Za-z0-9._:-]+$/;

const TARGETS = [
  { action: "lambda:InvokeFunction", exact: EXACT_FUNCTION_ARN, what: "function" },
  { action: "bedrock:InvokeModel", exact: EXACT_MODEL_ARN, what: "model or inference profile" },
  { action: "bedrock:InvokeModelWithResponseStream", exact: EXACT_MODEL_ARN, what: "model or inference profile" },
] as const;

/**
 * Invoking code or a model is what an automated reviewer's roles may do, and only on what the
 * stack configured: `lambda:InvokeFunction` on `function:*` would let the ask function run any
 * function in the account with the request's data, `bedrock:InvokeModel` on `foundation-model/*`
 * any model at any price. Each target is named by its exact ARN. (`lambda:*`, `bedrock:*` and `*`
 * are iam-no-wildcard-actions' violation, reported there once.)
 */
export const iamInvokeExactTargets = packPolicy({
  name: "iam-invoke-exact-targets",
  description:
    "lambda:InvokeFunction and bedrock:InvokeModel(WithResponseStream) are allowed only on exact function, model and inference-profile ARNs, without wildcards.",
  resourceTypes: IDENTITY_POLICY_TYPES,
  validate: ({ type, props, report, notChecked }) => {
    for (const { statement, where } of allowStatements(type, props, { notChecked })) {
      const actions = knownValues(statement.action).filter((action) => actionWildcard(action) !== "service-wide");
      const targets = TARGETS.filter((target) => actions.some((action) => actionMatches(action, target.action)));
      if (targets.length === 0) {
        if (hasUnknown(statement.action)) notChecked(`${where}: Action`);
        continue;
      }
      if (hasUnknown(statement.resource)) notChecked(`${where}: Resource`);
      for (const target of targets) {
        for (const resource of knownValues(statement.resource)) {
          if (!target.exact.test(resource))
            report(
              `${where}: allows ${target.action} on "${resource}"; name each ${target.what} by its exact ARN, without wildcards.`,
            );
        }
      }
    }
  },
});
