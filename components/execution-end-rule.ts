/**
 * Closes requests whose execution ended without reaching its close state: stopped (ABORTED),
 * timed out, or failed in a way the definition cannot catch. An EventBridge rule on this state
 * machine's execution status changes invokes close-request, with EventBridge's retry policy and an
 * encrypted dead-letter queue for what still fails (events, and invocations Lambda gave up on).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { executionEndPattern } from "../core/execution-end";
import { createDeadLetterQueue, targetFunctionResiliently } from "./resilient-rule-target";

export interface ExecutionEndRuleArgs {
  stateMachineArn: pulumi.Input<string>;
  closeFunction: { arn: pulumi.Output<string>; name: pulumi.Output<string> };
  deadLetters: aws.sqs.Queue;
}

export function createLifecycleDeadLetters(name: string, parent: pulumi.Resource): aws.sqs.Queue {
  return createDeadLetterQueue(`${name}-lifecycle-dead-letters`, parent);
}

export function createExecutionEndRule(
  name: string,
  args: ExecutionEndRuleArgs,
  parent: pulumi.Resource,
): aws.cloudwatch.EventRule {
  const rule = new aws.cloudwatch.EventRule(
    `${name}-execution-ended`,
    {
      description: "parallel-approval: an execution ended without closing its request",
      eventPattern: pulumi.output(args.stateMachineArn).apply((arn) => JSON.stringify(executionEndPattern(arn))),
    },
    { parent },
  );
  targetFunctionResiliently(
    { rule, fn: args.closeFunction, deadLetters: args.deadLetters },
    {
      queuePolicy: `${name}-lifecycle-dead-letters-policy`,
      permission: `${name}-close-request-invoke`,
      invokeConfig: `${name}-close-request-retries`,
      target: `${name}-execution-ended-target`,
      statementId: "DeadLettersOfTheExecutionEndedRule",
    },
    parent,
  );
  return rule;
}
