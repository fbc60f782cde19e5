/**
 * An EventBridge rule that invokes a Lambda function and loses nothing quietly: EventBridge
 * retries delivery with its own defaults stated (185 attempts over a day), Lambda retries a
 * failed async invocation twice (one minute, then two minutes later: about three minutes in all),
 * and what still fails lands in an encrypted SQS dead-letter queue that only this rule may write
 * to (its queue policy names the rule by aws:SourceArn).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export const DELIVERY_RETRY = { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 24 * 3600 };
export const INVOCATION_RETRY = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 6 * 3600 };
/** The longest SQS keeps a message: time to look at what failed and replay it. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

export function createDeadLetterQueue(name: string, parent: pulumi.Resource): aws.sqs.Queue {
  return new aws.sqs.Queue(
    name,
    { sqsManagedSseEnabled: true, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS },
    { parent },
  );
}

/** The resource names (stable keys, so existing stacks keep their URNs) and the queue policy's statement id. */
export interface RuleTargetNames {
  queuePolicy: string;
  permission: string;
  invokeConfig: string;
  target: string;
  statementId: string;
}

export interface RuleTargetArgs {
  rule: aws.cloudwatch.EventRule;
  fn: { arn: pulumi.Output<string>; name: pulumi.Output<string> };
  deadLetters: aws.sqs.Queue;
}

export function targetFunctionResiliently(args: RuleTargetArgs, names: RuleTargetNames, parent: pulumi.Resource): void {
  const { rule, fn, deadLetters } = args;
  const queuePolicy = new aws.sqs.QueuePolicy(
    names.queuePolicy,
    {
      queueUrl: deadLetters.url,
      policy: pulumi.all([deadLetters.arn, rule.arn]).apply(([queueArn, ruleArn]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: names.statementId,
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
    names.permission,
    { action: "lambda:InvokeFunction", function: fn.name, principal: "events.amazonaws.com", sourceArn: rule.arn },
    { parent },
  );
  new aws.lambda.FunctionEventInvokeConfig(
    names.invokeConfig,
    { functionName: fn.name, ...INVOCATION_RETRY, destinationConfig: { onFailure: { destination: deadLetters.arn } } },
    { parent },
  );
  new aws.cloudwatch.EventTarget(
    names.target,
    { rule: rule.name, arn: fn.arn, retryPolicy: DELIVERY_RETRY, deadLetterConfig: { arn: deadLetters.arn } },
    { parent, dependsOn: [invoke, queuePolicy] },
  );
}
