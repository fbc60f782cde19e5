/**
 * One encrypted SNS topic per person, with their email subscribed: how channels that notify by
 * email reach an approver. One topic per approver name, so the same person in several stages has
 * one subscription to confirm. SSM Automation only publishes to topics whose name starts with
 * "Automation", so every topic follows that rule: switching an approver's channel keeps the topic
 * and its confirmed subscription.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-approve.html
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ApproverSettings } from "../core/settings";

export function createApproverTopics(
  name: string,
  approvers: ApproverSettings[],
  parent: pulumi.Resource,
): Map<string, aws.sns.Topic> {
  return new Map(
    approvers
      .filter((approver) => approver.email !== undefined)
      .map((approver) => {
        const topic = new aws.sns.Topic(
          `${name}-${approver.name}`,
          {
            namePrefix: `Automation-${approver.name}-`,
            kmsMasterKeyId: "alias/aws/sns",
            displayName: "Approval request",
          },
          { parent },
        );
        new aws.sns.TopicSubscription(
          `${name}-${approver.name}-email`,
          { topic: topic.arn, protocol: "email", endpoint: approver.email! },
          { parent },
        );
        return [approver.name, topic] as const;
      }),
  );
}
