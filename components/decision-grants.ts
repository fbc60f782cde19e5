/**
 * What close-request needs to send a closed request's outcome (core/decided-event.ts):
 * `events:PutEvents` on exactly the stack's event bus, and `sns:Publish` on exactly the requester
 * topic when one is set. PutEvents is authorised on the event-bus resource type
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html),
 * so a bus given by name becomes this account's and Region's bus ARN.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { eventBusArn, type DecidedDelivery } from "../core/decided-event";
import { GRANT } from "../core/topology";
import type { GrantCatalog } from "./grants";
import type { Permission } from "./permissions";

export function decisionPermissions(delivery: DecidedDelivery, parent: pulumi.Resource): Permission[] {
  const at = pulumi.all([
    aws.getPartitionOutput({}, { parent }).partition,
    aws.getRegionOutput({}, { parent }).region,
    aws.getCallerIdentityOutput({}, { parent }).accountId,
  ]);
  const permissions: Permission[] = [
    {
      sid: "SendApprovalDecided",
      actions: ["events:PutEvents"],
      resources: [
        at.apply(([partition, region, account]) => eventBusArn(delivery.eventBus, { partition, region, account })),
      ],
    },
  ];
  if (delivery.requesterTopicArn !== undefined)
    permissions.push({
      sid: "PublishOutcomeToRequester",
      actions: ["sns:Publish"],
      resources: [delivery.requesterTopicArn],
    });
  return permissions;
}

export function exposeDecisionGrants(grants: GrantCatalog, delivery: DecidedDelivery, parent: pulumi.Resource): void {
  grants.expose(GRANT.publishDecision, ...decisionPermissions(delivery, parent));
}
