/**
 * Runs a policy the way @pulumi/policy 1.21's analyzer server does (server.js,
 * makeAnalyzeRpcFun), without starting a server: builds the ResourceValidationArgs, wraps the
 * props in the same unknown-checking proxy, applies the enforcement level and the policy's
 * config, and collects what the policy reports.
 */
import { EnforcementLevel, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

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

class NotApplicable extends Error {}

/** The messages `policy` reports for `resource`, in order. */
export async function violationsOf(
  policy: ResourceValidationPolicy,
  resource: ResourceUnderTest,
  config: PolicyConfigUnderTest = {},
): Promise<string[]> {
  const enforcementLevel = config.enforcementLevel ?? policy.enforcementLevel ?? "advisory";
  if (enforcementLevel === "disabled" || !policy.validateResource) return [];
  const { enforcementLevel: _level, ...policyConfig } = config;
  const validations: ResourceValidation[] = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : [policy.validateResource];
  const messages: string[] = [];
  for (const validation of validations) {
    try {
      await validation(buildArgs(resource, policyConfig), (message) => {
        messages.push(message);
      });
    } catch (error) {
      if (error instanceof NotApplicable) continue;
      if (error instanceof engineProxy.UnknownValueError) {
        // The server would turn this into a "can't run during preview" warning: for this
        // pack that is a defect, since every policy skips unknown values itself.
        throw new Error(`policy ${policy.name} read a value unknown during preview: ${error.message}`);
      }
      throw error;
    }
  }
  return messages;
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

/** Every violation any of `policies` reports on any of `resources`. */
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
