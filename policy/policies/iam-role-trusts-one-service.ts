import { hasUnknown, knownValues, parsePolicyDocument, toStringList } from "../lib/iam-document";
import { allowStatementsOf } from "../lib/identity-policies";
import { ResourceTypes } from "../lib/resource-types";
import { isUnknown } from "../lib/unknown";
import { packPolicy } from "../lib/validate";

/**
 * One role per service: a role trusted by several services (or by an account) can be used
 * by each of them with the union of what they need.
 */
export const iamRoleTrustsOneService = packPolicy({
  name: "iam-role-trusts-one-service",
  description:
    'Role trust policies trust exactly one service principal: never "*", an AWS account or IAM principal, a federated principal, or NotPrincipal.',
  resourceTypes: [ResourceTypes.role],
  validate: ({ props, report, notChecked }) => {
    if (parsePolicyDocument(props.assumeRolePolicy).kind === "absent") return; // AWS refuses a role without one
    let reportedSomething = false;
    let skippedSomething = false;
    const reportViolation = (message: string) => {
      reportedSomething = true;
      report(message);
    };
    const skipped = (subject: string) => {
      skippedSomething = true;
      notChecked(subject);
    };
    const statements = allowStatementsOf(
      { description: "trust policy", document: props.assumeRolePolicy },
      {
        notChecked: skipped,
        invalid: (_source, reason) =>
          reportViolation(`The trust policy is not a valid IAM policy document: ${reason}.`),
      },
    );
    if (statements.length === 0 && (reportedSomething || skippedSomething)) return;

    const services = new Set<string>();
    for (const { statement, where } of statements) {
      if (statement.notPrincipal !== undefined) {
        reportViolation("The trust policy combines Allow with NotPrincipal, which trusts every principal not listed.");
      }
      const principal = statement.principal;
      if (principal === undefined) continue;
      if (isUnknown(principal)) {
        skipped(`${where}: Principal`);
        continue;
      }
      if (typeof principal === "string") {
        if (principal.trim() === "*")
          reportViolation('The trust policy trusts everyone ("*"); trust exactly one service principal.');
        else
          reportViolation(
            `The trust policy has the malformed principal "${principal}"; trust exactly one service principal.`,
          );
        continue;
      }
      if (principal === null || typeof principal !== "object") continue;
      for (const [kind, value] of Object.entries(principal as Record<string, unknown>)) {
        const list = toStringList(value);
        if (hasUnknown(list)) skipped(`${where}: Principal ${kind}`);
        for (const name of knownValues(list)) {
          if (name.includes("*")) {
            reportViolation(
              `The trust policy trusts everyone ("${kind}": "${name}"); trust exactly one service principal.`,
            );
          } else if (kind === "Service") {
            services.add(name);
          } else if (kind === "AWS") {
            reportViolation(
              `The trust policy trusts the AWS principal "${name}"; trust exactly one service principal, never an account or IAM principal.`,
            );
          } else {
            reportViolation(
              `The trust policy trusts the ${kind} principal "${name}"; trust exactly one service principal.`,
            );
          }
        }
      }
    }
    if (services.size > 1) {
      reportViolation(
        `The trust policy trusts ${services.size} service principals (${[...services].join(", ")}); give each service its own role.`,
      );
    } else if (services.size === 0 && !skippedSomething && !reportedSomething) {
      reportViolation("The trust policy trusts no service principal; trust exactly one.");
    }
  },
});
