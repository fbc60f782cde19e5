import { ResourceValidationPolicy } from "@pulumi/policy";
import { knownValues, parsePolicyDocument, statementName } from "../lib/iam-document";
import { hasWildcard, splitAction } from "../lib/iam-actions";
import { capitalize, IDENTITY_POLICY_TYPES, identityPolicyDocuments } from "../lib/identity-policies";
import { configWithDefaults, validateResourcesOfTypes } from "../lib/validate";

interface Config {
  /** Allow patterns such as `s3:Get*` (never `*` or `service:*`). */
  allowPartialWildcards: boolean;
}

export const iamNoWildcardActions: ResourceValidationPolicy = {
  name: "iam-no-wildcard-actions",
  description:
    'IAM policies allow actions listed one by one: no "*" or "service:*" actions, and no Allow with NotAction.',
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowPartialWildcards: {
        type: "boolean",
        default: false,
        description: 'Accept patterns such as "s3:Get*" (never "*" or "service:*").',
      },
    },
  },
  validateResource: validateResourcesOfTypes(IDENTITY_POLICY_TYPES, (props, args, reportViolation) => {
    const config = configWithDefaults<Config>(args, { allowPartialWildcards: false });
    for (const source of identityPolicyDocuments(args.type, props)) {
      const parsed = parsePolicyDocument(source.document);
      if (parsed.kind === "invalid") {
        reportViolation(`${capitalize(source.description)} is not a valid IAM policy document: ${parsed.reason}.`);
      }
      if (parsed.kind !== "document") continue;
      for (const statement of parsed.statements) {
        if (statement.effect !== "Allow") continue;
        const where = `${capitalize(source.description)}, ${statementName(statement)}`;
        if (statement.notAction !== undefined) {
          reportViolation(
            `${where}: combines Allow with NotAction, which allows every action not listed; list the allowed actions in Action.`,
          );
        }
        for (const action of knownValues(statement.action)) {
          const message = wildcardProblem(action, config);
          if (message) reportViolation(`${where}: ${message}`);
        }
      }
    }
  }),
};

function wildcardProblem(action: string, config: Config): string | undefined {
  if (action.trim() === "*")
    return 'allows the action "*" (every action of every service); list the actions one by one.';
  const parsed = splitAction(action);
  if (parsed && /^\*+$/.test(parsed.name)) {
    return `allows "${action}" (every action of ${parsed.service}); list the actions one by one.`;
  }
  if (hasWildcard(action) && (!config.allowPartialWildcards || !parsed || hasWildcard(parsed.service))) {
    return `allows the wildcard action "${action}"; list the actions one by one.`;
  }
  return undefined;
}
