import { checkNoPublicPrincipal } from "../lib/resource-policy";
import { ResourceTypes } from "../lib/resource-types";
import { packPolicy } from "../lib/validate";

/**
 * A topic policy that grants `*` lets anyone publish to the approvers' topics (fake approval
 * requests in their mailboxes) or subscribe to them (every request). Services are granted by
 * name, or with `*` and a condition on aws:SourceArn / aws:SourceAccount. A topic's policy can
 * be set on the Topic itself or with a TopicPolicy.
 */
export const snsTopicPolicyNoPublicPrincipal = packPolicy({
  name: "sns-topic-policy-no-public-principal",
  description:
    'SNS topic policies grant no "*" principal (nor {"AWS": "*"}) without an aws:SourceArn or aws:SourceAccount condition, and no Allow with NotPrincipal.',
  resourceTypes: [ResourceTypes.snsTopicPolicy, ResourceTypes.snsTopic],
  validate: (check) => {
    if (check.props.policy === undefined) return;
    checkNoPublicPrincipal({ description: "topic policy", document: check.props.policy }, check);
  },
});
