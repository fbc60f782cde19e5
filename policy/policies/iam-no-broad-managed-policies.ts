import { ResourceTypes } from "../lib/resource-types";
import { isUnknown } from "../lib/unknown";
import { configWithDefaults, packPolicy } from "../lib/validate";

interface Config {
  /** More AWS managed policy names to refuse, e.g. "ReadOnlyAccess". */
  additionalForbiddenPolicies: string[];
}

/** `arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole` → `AmazonSSMAutomationRole`. */
const AWS_MANAGED_POLICY_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/;

/** Where each resource type names the managed policies it attaches. */
const POLICY_ARN_FIELDS: Record<string, string> = {
  [ResourceTypes.role]: "managedPolicyArns",
  [ResourceTypes.rolePolicyAttachment]: "policyArn",
  [ResourceTypes.rolePolicyAttachmentsExclusive]: "policyArns",
  [ResourceTypes.policyAttachment]: "policyArn",
  [ResourceTypes.userPolicyAttachment]: "policyArn",
  [ResourceTypes.groupPolicyAttachment]: "policyArn",
};

export const iamNoBroadManagedPolicies = packPolicy({
  name: "iam-no-broad-managed-policies",
  description:
    "No AWS managed policy broader than a role's purpose is attached: AdministratorAccess, PowerUserAccess, any *FullAccess, AmazonSSMAutomationRole.",
  resourceTypes: Object.keys(POLICY_ARN_FIELDS),
  configSchema: {
    properties: {
      additionalForbiddenPolicies: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "More AWS managed policy names to refuse.",
      },
    },
  },
  validate: ({ type, props, args, report, notChecked }) => {
    const config = configWithDefaults<Config>(args, { additionalForbiddenPolicies: [] });
    const field = POLICY_ARN_FIELDS[type];
    const value = props[field];
    const arns = Array.isArray(value) ? value : [value];
    for (const arn of arns) {
      if (isUnknown(arn)) notChecked(field);
      if (typeof arn !== "string" || isUnknown(arn)) continue;
      const name = AWS_MANAGED_POLICY_ARN.exec(arn)?.[1];
      if (name !== undefined && isBroadPolicy(name, config)) {
        report(
          `Attaches the AWS managed policy "${arn}", which grants far more than one role of this stack needs; grant the needed actions one by one.`,
        );
      }
    }
  },
});

function isBroadPolicy(name: string, config: Config): boolean {
  return (
    name === "AdministratorAccess" ||
    name === "PowerUserAccess" ||
    name === "AmazonSSMAutomationRole" ||
    name.endsWith("FullAccess") ||
    config.additionalForbiddenPolicies.includes(name)
  );
}
