/**
 * One Lambda of the workflow with everything it owns: its bundled code, its own role (trusted by
 * lambda.amazonaws.com only) whose inline policy is exactly the permissions the caller declared
 * plus writing to its own log group, and that log group with a retention.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { lambdaArchive } from "./lambda-bundle";
import { Permission, policyDocument, trustPolicy } from "./permissions";

import { DEFAULT_FUNCTION_TIMEOUT_SECONDS, FUNCTION_MEMORY_MB } from "../core/limits";

export const LAMBDA_RUNTIME = "nodejs24.x";
export const DEFAULT_MEMORY_MB = FUNCTION_MEMORY_MB;
export const DEFAULT_TIMEOUT_SECONDS = DEFAULT_FUNCTION_TIMEOUT_SECONDS;

export interface ApprovalFunctionArgs {
  /** Folder under lambdas/ holding index.ts with the `handler` export (the topology's `entry`). */
  handlerName: string;
  description: string;
  /** Exactly what the handler calls, on exactly which resources. */
  permissions: Permission[];
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  memorySize?: number;
  timeoutSeconds?: number;
  logRetentionDays: number;
}

export class ApprovalFunction extends pulumi.ComponentResource {
  public readonly function: aws.lambda.Function;
  public readonly role: aws.iam.Role;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  public readonly arn: pulumi.Output<string>;
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: ApprovalFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("parallel-approval:lambda:ApprovalFunction", name, {}, opts);
    const memorySize = args.memorySize ?? DEFAULT_MEMORY_MB;
    if (memorySize > FUNCTION_MEMORY_MB)
      throw new Error(`${name}: callback functions use at most ${FUNCTION_MEMORY_MB} MB, got ${memorySize}`);

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { retentionInDays: args.logRetentionDays },
      { parent: this },
    );

    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: trustPolicy("lambda.amazonaws.com"),
        description: `${args.handlerName}: ${args.description}`,
      },
      { parent: this },
    );

    const logging: Permission = {
      sid: "WriteOwnLogs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [pulumi.interpolate`${this.logGroup.arn}:*`],
    };
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: this.role.id, policy: policyDocument([...args.permissions, logging]) },
      { parent: this },
    );

    this.function = new aws.lambda.Function(
      name,
      {
        description: args.description,
        runtime: LAMBDA_RUNTIME,
        architectures: ["arm64"],
        handler: "index.handler",
        code: lambdaArchive(args.handlerName),
        role: this.role.arn,
        memorySize,
        timeout: args.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
        environment: args.environment ? { variables: args.environment } : undefined,
        loggingConfig: {
          logFormat: "JSON",
          logGroup: this.logGroup.name,
          applicationLogLevel: "INFO",
          // INFO keeps the platform's START and REPORT lines (duration, memory, init time).
          // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
          systemLogLevel: "INFO",
        },
      },
      // The role's policy must exist before the first invocation can log or call anything.
      { parent: this, dependsOn: [policy] },
    );

    this.arn = this.function.arn;
    this.name = this.function.name;
    this.registerOutputs({ arn: this.arn, name: this.name });
  }
}
