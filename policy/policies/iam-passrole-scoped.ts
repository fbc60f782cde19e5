import { ResourceValidationPolicy } from "@pulumi/policy";
import { knownValues } from "../lib/iam-document";
import { actionMatches } from "../lib/iam-actions";
import { allowStatements, IDENTITY_POLICY_TYPES } from "../lib/identity-policies";
import { isUnknown } from "../lib/unknown";
import { validateResourcesOfTypes } from "../lib/validate";

/** `arn:aws:iam::123456789012:role/path/Name`, any partition, no wildcard anywhere. */
const EXACT_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[^*?\s]+$/;

/**
 * Passing a role hands its permissions to a service. Granting iam:PassRole on `role/*` lets the
 * holder pass any role in the account (an admin role included) to any service.
 */
export const iamPassRoleScoped: ResourceValidationPolicy = {
  name: "iam-passrole-scoped",
  description:
    "iam:PassRole is allowed only on explicit role ARNs (no wildcards) and only with an iam:PassedToService condition.",
  enforcementLevel: "mandatory",
  validateResource: validateResourcesOfTypes(IDENTITY_POLICY_TYPES, (props, args, reportViolation) => {
    for (const { statement, where } of allowStatements(args.type, props)) {
      if (!knownValues(statement.action).some((action) => actionMatches(action, "iam:PassRole"))) continue;
      for (const resource of knownValues(statement.resource)) {
        if (!EXACT_ROLE_ARN.test(resource)) {
          reportViolation(
            `${where}: allows iam:PassRole on "${resource}"; name each role by its exact ARN, without wildcards.`,
          );
        }
      }
      if (!isUnknown(statement.condition) && !hasPassedToServiceCondition(statement.condition)) {
        reportViolation(
          `${where}: allows iam:PassRole without an iam:PassedToService condition; name the service the role may be passed to.`,
        );
      }
    }
  }),
};

/** Condition: { "<operator>": { "iam:PassedToService": ... } }, keys case-insensitive. */
function hasPassedToServiceCondition(condition: unknown): boolean {
  if (condition === null || typeof condition !== "object") return false;
  return Object.values(condition as Record<string, unknown>).some(
    (block) =>
      isUnknown(block) ||
      (block !== null &&
        typeof block === "object" &&
        Object.keys(block as object).some((key) => key.toLowerCase() === "iam:passedtoservice")),
  );
}
