import { checkNoPublicPrincipal } from "../lib/resource-policy";
import { ResourceTypes } from "../lib/resource-types";
import { packPolicy } from "../lib/validate";

/**
 * A queue policy that grants `*` lets any account (or anyone) send to, read or purge the queue.
 * Services such as EventBridge are granted by name, or with `*` and a condition on aws:SourceArn
 * / aws:SourceAccount. A queue's policy can be set on the Queue itself or with a QueuePolicy.
 */
export const sqsQueuePolicyNoPublicPrincipal = packPolicy({
  name: "sqs-queue-policy-no-public-principal",
  description:
    'SQS queue policies grant no "*" principal (nor {"AWS": "*"}) without an aws:SourceArn or aws:SourceAccount condition, and no Allow with NotPrincipal.',
  resourceTypes: [ResourceTypes.sqsQueuePolicy, ResourceTypes.sqsQueue],
  validate: (check) => {
    if (check.props.policy === undefined) return;
    checkNoPublicPrincipal({ description: "queue policy", document: check.props.policy }, check);
  },
});
