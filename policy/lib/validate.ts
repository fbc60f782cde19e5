/**
 * Glue between @pulumi/policy and the checks: a policy declares the resource types it applies
 * to (every other resource gets "not applicable"), its checks read plain props (see
 * unknown.ts), and checks that meet a value unknown during preview say so (see preview.ts).
 */
import { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { NotCheckedDuringPreview } from "./preview";
import { plainProps } from "./unknown";

/** A policy of this pack: a resource validation policy that names the types it applies to. */
export interface PackPolicy extends ResourceValidationPolicy {
  /** Pulumi type tokens; for any other type the policy reports "not applicable". */
  readonly resourceTypes: readonly string[];
}

/** What a policy's checks get for one resource. */
export interface ResourceCheck {
  type: string;
  /** The resource's inputs without @pulumi/policy's proxy: unknown values are sentinels, not throws. */
  props: Record<string, unknown>;
  args: ResourceValidationArgs;
  /** A violation, at the policy's enforcement level. */
  report(message: string): void;
  /** A check that could not run because a value it needs is unknown during preview. */
  notChecked(subject: string): void;
  /** The policy does not apply to this resource after all (e.g. a container-image function). */
  notApplicable(reason: string): never;
}

export interface PackPolicyDefinition {
  name: string;
  description: string;
  resourceTypes: readonly string[];
  configSchema?: PolicyConfigSchema;
  validate(check: ResourceCheck): void | Promise<void>;
}

/** Every policy of the pack defaults to mandatory. */
export function packPolicy(definition: PackPolicyDefinition): PackPolicy {
  const { validate, resourceTypes, ...policy } = definition;
  const wanted: ReadonlySet<string> = new Set(resourceTypes);
  return {
    ...policy,
    enforcementLevel: "mandatory",
    resourceTypes,
    validateResource: async (args, reportViolation) => {
      if (!wanted.has(args.type)) args.notApplicable(appliesOnlyTo(resourceTypes));
      const skipped: string[] = [];
      await validate({
        type: args.type,
        props: plainProps(args.props),
        args,
        report: (message) => reportViolation(message),
        notChecked: (subject) => {
          if (!skipped.includes(subject)) skipped.push(subject);
        },
        notApplicable: (reason) => args.notApplicable(reason),
      });
      if (skipped.length > 0) throw new NotCheckedDuringPreview(skipped);
    },
  };
}

/** Same wording as @pulumi/policy's validateResourceOfType. */
export function appliesOnlyTo(types: readonly string[]): string {
  return types.length === 1
    ? `Policy only applies to resources of type '${types[0]}'`
    : `Policy only applies to resources of types ${types.map((type) => `'${type}'`).join(", ")}`;
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
