import { hasUnknown, knownValues } from "../lib/iam-document";
import { actionWildcard, splitAction } from "../lib/iam-actions";
import { allowStatements, capitalize, IDENTITY_POLICY_TYPES } from "../lib/identity-policies";
import { configWithDefaults, packPolicy } from "../lib/validate";

interface Config {
  /** Allow patterns such as `s3:Get*` (never `*` or `service:*`). */
  allowPartialWildcards: boolean;
}

/**
 * The policy for wildcard actions: a statement with `Action: "*"` or `"iam:*"` is reported here
 * only; the other statement policies leave such actions alone.
 */
export const iamNoWildcardActions = packPolicy({
  name: "iam-no-wildcard-actions",
  description:
    'IAM policies allow actions listed one by one: no "*" or "service:*" actions, and no Allow with NotAction.',
  resourceTypes: IDENTITY_POLICY_TYPES,
  configSchema: {
    properties: {
      allowPartialWildcards: {
        type: "boolean",
        default: false,
        description: 'Accept patterns such as "s3:Get*" (never "*" or "service:*").',
      },
    },
  },
  validate: ({ type, props, args, report, notChecked }) => {
    const config = configWithDefaults<Config>(args, { allowPartialWildcards: false });
    const statements = allowStatements(type, props, {
      notChecked,
      invalid: (source, reason) =>
        report(`${capitalize(source.description)} is not a valid IAM policy document: ${reason}.`),
    });
    for (const { statement, where } of statements) {
      if (statement.notAction !== undefined) {
        report(
          `${where}: combines Allow with NotAction, which allows every action not listed; list the allowed actions in Action.`,
        );
      }
      if (hasUnknown(statement.action)) notChecked(`${where}: Action`);
      for (const action of knownValues(statement.action)) {
        const message = wildcardProblem(action, config);
        if (message) report(`${where}: ${message}`);
      }
    }
  },
});

function wildcardProblem(action: string, config: Config): string | undefined {
  const wildcard = actionWildcard(action);
  if (wildcard === "none" || (wildcard === "partial" && config.allowPartialWildcards)) return undefined;
  if (action.trim() === "*")
    return 'allows the action "*" (every action of every service); list the actions one by one.';
  const parsed = splitAction(action);
  if (parsed && /^\*+$/.test(parsed.name)) {
    return `allows "${action}" (every action of ${parsed.service}); list the actions one by one.`;
  }
  return `allows the wildcard action "${action}"; list the actions one by one.`;
}
