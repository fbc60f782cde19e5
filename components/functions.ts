/**
 * Creates the workflow's functions from the topology: each one's environment is exactly the
 * variables its entry lists (taken from what the stack provides), and its role exactly the table
 * actions and grants it names. Channel infra and the workflow both create functions through one
 * factory, so every function of the stack is wired the same way.
 */
import * as pulumi from "@pulumi/pulumi";
import type { EnvName } from "../core/environment";
import type { FunctionSpec } from "../core/topology";
import { ApprovalFunction } from "./approval-function";
import type { GrantCatalog } from "./grants";
import type { Permission } from "./permissions";

export interface FunctionFactoryArgs {
  /** The workflow's name: functions are named `<name>-<key>`. */
  name: string;
  grants: GrantCatalog;
  /** Request-store actions as a permission (the store exposes it). */
  tableAccess: (actions: readonly string[]) => Permission;
  logRetentionDays: number;
}

export class FunctionFactory {
  private readonly environment = new Map<EnvName, pulumi.Input<string>>();
  private readonly created = new Map<string, ApprovalFunction>();

  constructor(private readonly args: FunctionFactoryArgs) {}

  /** Provides an environment variable's value to every function that lists it. */
  provide(variable: EnvName, value: pulumi.Input<string>): void {
    this.environment.set(variable, value);
  }

  create(spec: FunctionSpec, parent: pulumi.Resource): ApprovalFunction {
    const owner = `function ${spec.key}`;
    const variables = Object.fromEntries([
      ...spec.env.map((variable) => {
        const value = this.environment.get(variable);
        if (value === undefined) throw new Error(`${owner} reads ${variable}, which nothing in this stack provides`);
        return [variable, value];
      }),
      ...(spec.optionalEnv ?? [])
        .filter((variable) => this.environment.has(variable))
        .map((variable) => [variable, this.environment.get(variable)!]),
    ]);
    const permissions: Permission[] = [
      ...(spec.table.length > 0 ? [this.args.tableAccess(spec.table)] : []),
      ...this.args.grants.resolve(spec.grants, owner),
    ];
    const fn = new ApprovalFunction(
      `${this.args.name}-${spec.key}`,
      {
        handlerName: spec.entry,
        description: spec.description,
        permissions,
        environment: variables,
        timeoutSeconds: spec.timeoutSeconds,
        logRetentionDays: this.args.logRetentionDays,
      },
      { parent },
    );
    this.created.set(spec.key, fn);
    return fn;
  }

  /** Function ARNs by key, for the state machine's definition. */
  arns(): Record<string, pulumi.Output<string>> {
    return Object.fromEntries([...this.created].map(([key, fn]) => [key, fn.arn]));
  }

  get(key: string): ApprovalFunction {
    const fn = this.created.get(key);
    if (fn === undefined) throw new Error(`function ${key} was not created`);
    return fn;
  }
}
