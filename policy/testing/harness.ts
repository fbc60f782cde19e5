/**
 * Runs a policy the way @pulumi/policy 1.21's analyzer server does (server.js,
 * makeAnalyzeRpcFun), without starting a server: builds the ResourceValidationArgs, wraps the
 * props in the same unknown-checking proxy, applies the enforcement level and the policy's
 * config, and collects what the policy reports: violations, the checks it could not run during
 * preview (the server's advisory), and "not applicable". analyzer.ts runs the real server code
 * instead, without config; harness.spec.ts checks that both agree.
 */
import { EnforcementLevel, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { NotCheckedDuringPreview } from "../lib/preview";

// Runtime exports of @pulumi/policy that its typings mark internal.
const engineProxy = require("@pulumi/policy/proxy") as {
  unknownCheckingProxy<T extends object>(props: T): T;
  UnknownValueError: new (...args: any[]) => Error;
  unknownStringValue: string;
  unknownNumberValue: string;
  unknownBooleanValue: string;
  unknownArrayValue: string;
  unknownObjectValue: string;
};

/** What the engine sends for values unknown during preview. */
export const engineUnknown = {
  string: engineProxy.unknownStringValue,
  number: engineProxy.unknownNumberValue,
  boolean: engineProxy.unknownBooleanValue,
  array: engineProxy.unknownArrayValue,
  object: engineProxy.unknownObjectValue,
} as const;

export interface ResourceUnderTest {
  /** Pulumi type token, e.g. "aws:lambda/function:Function". */
  type: string;
  /** The resource's inputs as the engine sends them (plain JSON). */
  props: Record<string, unknown>;
  name?: string;
}

export type PolicyConfigUnderTest = { enforcementLevel?: EnforcementLevel } & Record<string, unknown>;

class NotApplicable extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason ?? "Policy does not apply");
  }
}

export interface Analysis {
  /** What the policy reported with reportViolation, in order. */
  violations: string[];
  /**
   * The message of the advisory the server reports for checks skipped during preview (what
   * follows "can't run policy … during preview: "), or undefined if every check ran.
   */
  notChecked?: string;
  /** The reason given when the policy does not apply to the resource. */
  notApplicable?: string;
}

/** Everything `policy` reports for `resource`. */
export async function analyze(
  policy: ResourceValidationPolicy,
  resource: ResourceUnderTest,
  config: PolicyConfigUnderTest = {},
): Promise<Analysis> {
  const analysis: Analysis = { violations: [] };
  const enforcementLevel = config.enforcementLevel ?? policy.enforcementLevel ?? "advisory";
  if (enforcementLevel === "disabled" || !policy.validateResource) return analysis;
  const { enforcementLevel: _level, ...policyConfig } = config;
  const validations: ResourceValidation[] = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : [policy.validateResource];
  for (const validation of validations) {
    try {
      await validation(buildArgs(resource, policyConfig), (message) => {
        analysis.violations.push(message);
      });
    } catch (error) {
      if (error instanceof NotApplicable) {
        analysis.notApplicable = error.reason;
      } else if (error instanceof NotCheckedDuringPreview) {
        analysis.notChecked = error.message;
      } else if (error instanceof engineProxy.UnknownValueError) {
        // The server would turn this into a "can't run during preview" advisory too, but one
        // that skips every later check of the policy: for this pack a defect, since every
        // policy reads plain props and reports what it skipped with NotCheckedDuringPreview.
        throw new Error(`policy ${policy.name} read a value unknown during preview: ${error.message}`, {
          cause: error,
        });
      } else {
        throw error;
      }
    }
  }
  return analysis;
}

/** The messages `policy` reports for `resource` with reportViolation, in order. */
export async function violationsOf(
  policy: ResourceValidationPolicy,
  resource: ResourceUnderTest,
  config: PolicyConfigUnderTest = {},
): Promise<string[]> {
  return (await analyze(policy, resource, config)).violations;
}

/** The message of the "could not be checked during preview" advisory, or undefined. */
export async function notCheckedOf(
  policy: ResourceValidationPolicy,
  resource: ResourceUnderTest,
  config: PolicyConfigUnderTest = {},
): Promise<string | undefined> {
  return (await analyze(policy, resource, config)).notChecked;
}

function buildArgs(resource: ResourceUnderTest, policyConfig: Record<string, unknown>): ResourceValidationArgs {
  const name = resource.name ?? "under-test";
  // The server deserializes from a protobuf Struct: plain JSON, absent keys for undefined.
  const plain = JSON.parse(JSON.stringify(resource.props)) as Record<string, any>;
  const props = engineProxy.unknownCheckingProxy(plain);
  return {
    type: resource.type,
    props,
    urn: `urn:pulumi:test::parallel-approval::${resource.type}::${name}`,
    name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map<string, string>(),
    isType: (resourceClass) => (resourceClass as unknown as { __pulumiType?: string }).__pulumiType === resource.type,
    asType: ((resourceClass: unknown) =>
      (resourceClass as { __pulumiType?: string }).__pulumiType === resource.type
        ? props
        : undefined) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => ({ ...policyConfig }) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

export interface PolicyViolation {
  policy: string;
  resource: string;
  message: string;
}

/** Every violation any of `policies` reports on any of `resources` (not the preview advisories). */
export async function violationsOfAll(
  policies: readonly ResourceValidationPolicy[],
  resources: readonly ResourceUnderTest[],
  config: Record<string, PolicyConfigUnderTest> = {},
): Promise<PolicyViolation[]> {
  const found: PolicyViolation[] = [];
  for (const resource of resources) {
    for (const policy of policies) {
      for (const message of await violationsOf(policy, resource, config[policy.name])) {
        found.push({ policy: policy.name, resource: `${resource.type}::${resource.name ?? "under-test"}`, message });
      }
    }
  }
  return found;
}
