/**
 * Pulumi type tokens of the @pulumi/aws (v7) resources the pack checks. The pack matches on
 * these strings rather than importing @pulumi/aws, which keeps the pack's install small.
 */
export const ResourceTypes = {
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  rolePolicyAttachmentsExclusive: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
  policyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
  userPolicyAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  groupPolicyAttachment: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
  lambdaFunction: "aws:lambda/function:Function",
  snsTopic: "aws:sns/topic:Topic",
  snsTopicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  sqsQueue: "aws:sqs/queue:Queue",
  sqsQueuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  lambdaPermission: "aws:lambda/permission:Permission",
  kmsKey: "aws:kms/key:Key",
  dynamodbTable: "aws:dynamodb/table:Table",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  stateMachine: "aws:sfn/stateMachine:StateMachine",
  eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
} as const;
