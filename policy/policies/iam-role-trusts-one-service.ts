import { ResourceValidationPolicy } from "@pulumi/policy";
import { hasUnknown, knownValues, parsePolicyDocument, toStringList } from "../lib/iam-document";
import { ResourceTypes } from "../lib/resource-types";
import { isUnknown } from "../lib/unknown";
import { validateResourcesOfTypes } from "../lib/validate";

/**
 * One role per service: a role trusted by several services (or by an account) can be used
 * by each of them with the union of what they need.
 */
export const iamRoleTrustsOneService: ResourceValidationPolicy = {
  name: "iam-role-trusts-one-service",
  description:
    'Role trust policies trust exactly one service principal: never "*", an AWS account or IAM principal, a federated principal, or NotPrincipal.',
  enforcementLevel: "mandatory",
  validateResource: validateResourcesOfTypes([ResourceTypes.role], (props, _args, reportOnce) => {
    let reportedSomething = false;
    const reportViolation = (message: string) => {
      reportedSomething = true;
      reportOnce(message);
    };
    const parsed = parsePolicyDocument(props.assumeRolePolicy);
    if (parsed.kind === "invalid") {
      reportViolation(`The trust policy is not a valid IAM policy document: ${parsed.reason}.`);
    }
    if (parsed.kind !== "document") return;

    const services = new Set<string>();
    let somePrincipalUnknown = false;
    for (const statement of parsed.statements) {
      if (statement.effect !== "Allow") continue;
      if (statement.notPrincipal !== undefined) {
        reportViolation("The trust policy combines Allow with NotPrincipal, which trusts every principal not listed.");
      }
      const principal = statement.principal;
      if (principal === undefined) continue;
      if (isUnknown(principal)) {
        somePrincipalUnknown = true;
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
        if (hasUnknown(list)) somePrincipalUnknown = true;
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
    } else if (services.size === 0 && !somePrincipalUnknown && !reportedSomething) {
      reportViolation("The trust policy trusts no service principal; trust exactly one.");
    }
  }),
};
