import { hasUnknown, knownValues } from "../lib/iam-document";
import { actionMatches, actionWildcard } from "../lib/iam-actions";
import { allowStatements, IDENTITY_POLICY_TYPES } from "../lib/identity-policies";
import { isUnknown } from "../lib/unknown";
import { packPolicy } from "../lib/validate";

/** `arn:aws:iam::123456789012:role/path/Name`, any partition, no wildcard anywhere. */
const EXACT_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[^*?\s]+$/;

/**
 * Passing a role hands its permissions to a service. Granting iam:PassRole on `role/*` lets the
 * holder pass any role in the account (an admin role included) to any service. `iam:*` and `*`
 * also grant iam:PassRole, but they are iam-no-wildcard-actions' violation, reported there once.
 */
export const iamPassRoleScoped = packPolicy({
  name: "iam-passrole-scoped",
  description:
    "iam:PassRole is allowed only on explicit role ARNs (no wildcards) and only with an iam:PassedToService condition.",
  resourceTypes: IDENTITY_POLICY_TYPES,
  validate: ({ type, props, report, notChecked }) => {
    for (const { statement, where } of allowStatements(type, props, { notChecked })) {
      const passRole = knownValues(statement.action).some(
        (action) => actionWildcard(action) !== "service-wide" && actionMatches(action, "iam:PassRole"),
      );
      if (!passRole) {
        if (hasUnknown(statement.action)) notChecked(`${where}: Action`);
        continue;
      }
      if (hasUnknown(statement.resource)) notChecked(`${where}: Resource`);
      for (const resource of knownValues(statement.resource)) {
        if (!EXACT_ROLE_ARN.test(resource)) {
          report(`${where}: allows iam:PassRole on "${resource}"; name each role by its exact ARN, without wildcards.`);
        }
      }
      const condition = passedToServiceCondition(statement.condition);
      if (condition === "unknown") notChecked(`${where}: Condition`);
      if (condition === "absent") {
        report(
          `${where}: allows iam:PassRole without an iam:PassedToService condition; name the service the role may be passed to.`,
        );
      }
    }
  },
});

/** Condition: { "<operator>": { "iam:PassedToService": ... } }, keys case-insensitive. */
function passedToServiceCondition(condition: unknown): "present" | "absent" | "unknown" {
  if (isUnknown(condition)) return "unknown";
  if (condition === null || typeof condition !== "object") return "absent";
  let someBlockUnknown = false;
  for (const block of Object.values(condition as Record<string, unknown>)) {
    if (isUnknown(block)) someBlockUnknown = true;
    else if (
      block !== null &&
      typeof block === "object" &&
      Object.keys(block as object).some((key) => key.toLowerCase() === "iam:passedtoservice")
    ) {
      return "present";
    }
  }
  return someBlockUnknown ? "unknown" : "absent";
}
