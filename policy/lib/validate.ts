/**
 * Glue between @pulumi/policy and the checks: select resources by type token, hand the
 * checks plain props (see unknown.ts), and merge a policy's config over its defaults.
 */
import { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { plainProps } from "./unknown";

export type PropsValidation = (
  props: Record<string, unknown>,
  args: ResourceValidationArgs,
  reportViolation: ReportViolation,
) => void | Promise<void>;

export function validateResourcesOfTypes(types: readonly string[], validate: PropsValidation): ResourceValidation {
  const wanted: ReadonlySet<string> = new Set(types);
  return async (args, reportViolation) => {
    if (!wanted.has(args.type)) return;
    await validate(plainProps(args.props), args, reportViolation);
  };
}

/**
 * The policy's config over its defaults. The CLI fills schema defaults in too, but the pack
 * must not depend on it (tests and older CLIs pass an empty config).
 */
export function configWithDefaults<T extends object>(args: ResourceValidationArgs, defaults: T): T {
  const given = args.getConfig<Partial<T>>();
  const merged: T = { ...defaults };
  for (const key of Object.keys(given) as Array<keyof T>) {
    if (given[key] !== undefined) merged[key] = given[key] as T[keyof T];
  }
  return merged;
}
