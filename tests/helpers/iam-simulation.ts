/**
 * Asks @cloud-copilot/iam-simulate whether a role of the evaluated program may do something,
 * from the inline policies the program attached to it (read back from the Pulumi mocks).
 *
 * Context keys (aws:ResourceTag/..., aws:RequestTag/..., iam:PassedToService, ...) are passed as
 * the request context. The simulator drops keys that do not apply to the action and resource
 * type before it evaluates; a dropped key would make a "denied without the tag" check pass for the
 * wrong reason, so `isAllowed` refuses to answer when the simulator ignored any key it was given.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import {
  ACCOUNT_ID,
  resourcesOfType,
  type ProgramRun,
  type RegisteredResource,
} from "../../devkit/program-under-mocks";

export interface RoleUnderTest {
  role: RegisteredResource;
  arn: string;
  policies: unknown[];
}

/** The role whose logical name is `name`, with its inline policy documents parsed. */
export function roleNamed(run: ProgramRun, name: string): RoleUnderTest {
  const role = resourcesOfType(run, "aws:iam/role:Role").find((r) => r.name === name);
  if (!role)
    throw new Error(
      `no role named ${name}; roles: ${resourcesOfType(run, "aws:iam/role:Role")
        .map((r) => r.name)
        .join(", ")}`,
    );
  const policies = resourcesOfType(run, "aws:iam/rolePolicy:RolePolicy")
    .filter((policy) => policy.inputs.role === role.id)
    .map((policy) => JSON.parse(policy.inputs.policy));
  return { role, arn: role.state.arn, policies };
}

export type ContextVariables = Record<string, string | string[]>;

/** True when the role's identity policies allow `action` on `resource` (same-account request) in this context. */
export async function isAllowed(
  subject: RoleUnderTest,
  action: string,
  resource: string,
  contextVariables: ContextVariables = {},
): Promise<boolean> {
  const result = await runSimulation(
    {
      request: { principal: subject.arn, action, resource: { resource, accountId: ACCOUNT_ID }, contextVariables },
      identityPolicies: subject.policies.map((policy, index) => ({ name: `inline-${index}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === "error")
    throw new Error(`simulation of ${action} on ${resource} failed: ${JSON.stringify(result.errors)}`);
  if (result.resultType !== "single") throw new Error(`unexpected simulation result ${result.resultType}`);
  const ignored = result.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) {
    throw new Error(
      `the simulator ignored context key(s) ${ignored.join(", ")} for ${action} on ${resource}: they do not apply there, so the answer would not test them`,
    );
  }
  return result.overallResult === "Allowed";
}

/** Every action named in the role's policies, for "nothing else" checks. */
export function grantedActions(subject: RoleUnderTest): string[] {
  const actions = new Set<string>();
  for (const policy of subject.policies as Array<{ Statement: Array<{ Action: string | string[] }> }>) {
    for (const statement of policy.Statement) {
      for (const action of [statement.Action].flat()) actions.add(action);
    }
  }
  return [...actions].sort();
}

/** The resources of every statement that grants `action`, for "exactly these ARNs" checks. */
export function resourcesGranted(subject: RoleUnderTest, action: string): string[] {
  const resources = new Set<string>();
  for (const policy of subject.policies as Array<{
    Statement: Array<{ Action: string | string[]; Resource: string | string[] }>;
  }>) {
    for (const statement of policy.Statement) {
      if ([statement.Action].flat().includes(action))
        for (const resource of [statement.Resource].flat()) resources.add(resource);
    }
  }
  return [...resources].sort();
}
