/**
 * Closes requests whose execution ended without reaching its close state: stopped (ABORTED),
 * timed out, or failed in a way the definition cannot catch. An EventBridge rule on this state
 * machine's execution status changes invokes close-request, with EventBridge's retry policy and an
 * encrypted dead-letter queue for what still fails (events, and invocations Lambda gave up on).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { executionEndPattern } from "../core/execution-end";

export interface ExecutionEndRuleArgs {
  stateMachineArn: pulumi.Input<string>;
  closeFunction: { arn: pulumi.Output<string>; name: pulumi.Output<string> };
  deadLetters: aws.sqs.Queue;
}

/** EventBridge's own defaults, stated: 185 attempts over a day. */
const DELIVERY_RETRY = { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 24 * 3600 };
/** Lambda's async retries: twice (after 1, then 2 minutes), then the dead-letter queue. */
const INVOCATION_RETRY = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 6 * 3600 };
export const LIFECYCLE_DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

export function createLifecycleDeadLetters(name: string, parent: pulumi.Resource): aws.sqs.Queue {
  return new aws.sqs.Queue(
    `${name}-lifecycle-dead-letters`,
    { sqsManagedSseEnabled: true, messageRetentionSeconds: LIFECYCLE_DEAD_LETTER_RETENTION_SECONDS },
    { parent },
  );
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
  const queuePolicy = new aws.sqs.QueuePolicy(
    `${name}-lifecycle-dead-letters-policy`,
    {
      queueUrl: args.deadLetters.url,
      policy: pulumi.all([args.deadLetters.arn, rule.arn]).apply(([queueArn, ruleArn]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DeadLettersOfTheExecutionEndedRule",
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: "sqs:SendMessage",
              Resource: queueArn,
              Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
            },
          ],
        }),
      ),
    },
    { parent },
  );
  const invoke = new aws.lambda.Permission(
    `${name}-close-request-invoke`,
    {
      action: "lambda:InvokeFunction",
      function: args.closeFunction.name,
      principal: "events.amazonaws.com",
      sourceArn: rule.arn,
    },
    { parent },
  );
  new aws.lambda.FunctionEventInvokeConfig(
    `${name}-close-request-retries`,
    {
      functionName: args.closeFunction.name,
      ...INVOCATION_RETRY,
      destinationConfig: { onFailure: { destination: args.deadLetters.arn } },
    },
    { parent },
  );
  new aws.cloudwatch.EventTarget(
    `${name}-execution-ended-target`,
    {
      rule: rule.name,
      arn: args.closeFunction.arn,
      retryPolicy: DELIVERY_RETRY,
      deadLetterConfig: { arn: args.deadLetters.arn },
    },
    { parent, dependsOn: [invoke, queuePolicy] },
  );
  return rule;
}
