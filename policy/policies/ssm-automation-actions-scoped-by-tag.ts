import { hasUnknown, knownValues } from "../lib/iam-document";
import { actionMatches, actionWildcard } from "../lib/iam-actions";
import { allowStatements, IDENTITY_POLICY_TYPES } from "../lib/identity-policies";
import { isUnknown } from "../lib/unknown";
import { packPolicy } from "../lib/validate";

/**
 * SSM assigns an automation execution's id when it starts, so a role can only be granted
 * automation actions on `automation-execution/*`: every automation in the account and Region.
 * The tag condition keys are what narrows it to one stack's automations: `aws:ResourceTag` for the
 * actions on existing executions, `aws:RequestTag` for starting (and tagging) one. The Service
 * Authorization Reference lists both for these actions:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
 */
const ON_EXISTING = ["ssm:GetAutomationExecution", "ssm:StopAutomationExecution", "ssm:SendAutomationSignal"];
const CREATING = ["ssm:StartAutomationExecution", "ssm:AddTagsToResource"];
const EXECUTIONS = /^arn:aws[a-z-]*:ssm:[^:]+:\d{12}:automation-execution\/\*$/;

type Presence = "present" | "absent" | "unknown";

/** Whether the Condition has a key starting with `prefix` (e.g. "aws:ResourceTag/"), keys case-insensitive. */
function conditionKey(condition: unknown, prefix: string): Presence {
  if (isUnknown(condition)) return "unknown";
  if (condition === null || typeof condition !== "object") return "absent";
  let someUnknown = false;
  for (const block of Object.values(condition as Record<string, unknown>)) {
    if (isUnknown(block)) someUnknown = true;
    else if (
      block !== null &&
      typeof block === "object" &&
      Object.keys(block).some((k) => k.toLowerCase().startsWith(prefix.toLowerCase()))
    ) {
      return "present";
    }
  }
  return someUnknown ? "unknown" : "absent";
}

export const ssmAutomationActionsScopedByTag = packPolicy({
  name: "ssm-automation-actions-scoped-by-tag",
  description:
    "SSM automation actions on automation-execution/* carry a tag condition (aws:ResourceTag to read, stop or signal; aws:RequestTag to start or tag), so a role reaches only its own stack's automations.",
  resourceTypes: IDENTITY_POLICY_TYPES,
  validate: ({ type, props, report, notChecked }) => {
    for (const { statement, where } of allowStatements(type, props, { notChecked })) {
      const actions = knownValues(statement.action).filter((action) => actionWildcard(action) !== "service-wide");
      const existing = ON_EXISTING.filter((name) => actions.some((action) => actionMatches(action, name)));
      const creating = CREATING.filter((name) => actions.some((action) => actionMatches(action, name)));
      if (existing.length + creating.length === 0) {
        if (hasUnknown(statement.action)) notChecked(`${where}: Action`);
        continue;
      }
      if (hasUnknown(statement.resource)) notChecked(`${where}: Resource`);
      if (!knownValues(statement.resource).some((resource) => EXECUTIONS.test(resource))) continue;
      for (const [names, key] of [
        [existing, "aws:ResourceTag/"],
        [creating, "aws:RequestTag/"],
      ] as const) {
        if (names.length === 0) continue;
        const presence = conditionKey(statement.condition, key);
        if (presence === "unknown") notChecked(`${where}: Condition`);
        if (presence === "absent") {
          report(
            `${where}: allows ${names.join(", ")} on every automation execution (automation-execution/*) without an ${key}<key> condition; tag the stack's automations and condition on the tag.`,
          );
        }
      }
    }
  },
});
