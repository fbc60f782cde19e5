/**
 * The Standard state machine that runs one approval request, with its own role and log group.
 *
 * The definition comes from the pure builder in definition.ts; this file only resolves the
 * function ARNs into it and declares what the state machine itself may do: invoke exactly the
 * workflow's functions, deliver its logs and send X-Ray traces. It touches no table or topic:
 * its Lambdas do, each with its own role.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { buildDefinition, type DefinitionArgs, type DefinitionStage } from "../core/definition";
import { NO_RESOURCE_TYPE, Permission, policyDocument, trustPolicy } from "./permissions";

export interface ApprovalStateMachineArgs {
  stages: pulumi.Input<DefinitionStage[]>;
  /** Function ARN by topology key. */
  functions: Record<string, pulumi.Input<string>>;
  branches: DefinitionArgs["branches"];
  /** The functions the state machine invokes (the lifecycle and every ask function). */
  invokes: string[];
  selfApproval?: DefinitionArgs["selfApproval"];
  logRetentionDays: number;
}

/**
 * CloudWatch Logs delivery and X-Ray actions have no resource-level permissions; AWS documents
 * exactly this set for Step Functions logging and tracing.
 */
const LOG_DELIVERY: Permission = {
  sid: "DeliverExecutionLogs",
  actions: [
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
  ],
  resources: [NO_RESOURCE_TYPE],
};
const TRACING: Permission = {
  sid: "SendTraces",
  actions: ["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
  resources: [NO_RESOURCE_TYPE],
};

export class ApprovalStateMachine extends pulumi.ComponentResource {
  public readonly stateMachine: aws.sfn.StateMachine;
  public readonly role: aws.iam.Role;
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: ApprovalStateMachineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("parallel-approval:workflow:ApprovalStateMachine", name, {}, opts);

    // Exactly the functions the definition invokes: the lifecycle and the ask functions, not the page or result functions.
    const functionArns = args.invokes.map((key) => {
      const arn = args.functions[key];
      if (arn === undefined) throw new Error(`${name}: no ARN for function ${key}`);
      return arn;
    });
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: account.apply((accountId) =>
          // SourceAccount keeps another account's state machine from borrowing this role.
          trustPolicy("states.amazonaws.com", { StringEquals: { "aws:SourceAccount": accountId } }),
        ),
        description: "Runs parallel-approval requests",
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: policyDocument([
          { sid: "InvokeWorkflowFunctions", actions: ["lambda:InvokeFunction"], resources: functionArns },
          LOG_DELIVERY,
          TRACING,
        ]),
      },
      { parent: this },
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      // AWS-vended logs go under /aws/vendedlogs/ so they do not grow the account's size-limited
      // CloudWatch Logs resource policy with one entry per state machine.
      { namePrefix: "/aws/vendedlogs/states/parallel-approval-", retentionInDays: args.logRetentionDays },
      { parent: this },
    );

    // Compact JSON: white space counts toward the definition's 1 MB quota (core/limits.ts), and
    // the console formats the definition for reading anyway.
    const definition = pulumi
      .all([pulumi.output(args.stages), pulumi.output(args.functions)])
      .apply(([stages, functions]) =>
        JSON.stringify(
          buildDefinition({
            stages: stages as DefinitionStage[],
            functions,
            branches: args.branches,
            selfApproval: args.selfApproval,
          }),
        ),
      );

    this.stateMachine = new aws.sfn.StateMachine(
      name,
      {
        type: "STANDARD",
        roleArn: this.role.arn,
        definition,
        // Execution data is not logged: Lambda payloads carry task tokens.
        loggingConfiguration: {
          level: "ALL",
          includeExecutionData: false,
          logDestination: pulumi.interpolate`${logGroup.arn}:*`,
        },
        tracingConfiguration: { enabled: true },
      },
      { parent: this, dependsOn: [policy] },
    );

    this.arn = this.stateMachine.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
