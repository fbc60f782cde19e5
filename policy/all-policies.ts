/**
 * Every policy of the pack, in one list. index.ts serves them; tests evaluate them directly
 * (importing index.ts would start the policy server).
 */
import { PackPolicy } from "./lib/validate";
import { dynamodbTableEncryptedWithPitr } from "./policies/dynamodb-table-encrypted-with-pitr";
import { eventbridgeLambdaTargetResilient } from "./policies/eventbridge-lambda-target-resilient";
import { iamNoBroadManagedPolicies } from "./policies/iam-no-broad-managed-policies";
import { iamInvokeExactTargets } from "./policies/iam-invoke-exact-targets";
import { iamNoWildcardActions } from "./policies/iam-no-wildcard-actions";
import { iamPassRoleScoped } from "./policies/iam-passrole-scoped";
import { iamResourceWildcardOnlyWhereRequired } from "./policies/iam-resource-wildcard-only-where-required";
import { iamRoleTrustsOneService } from "./policies/iam-role-trusts-one-service";
import { kmsKeyRotationEnabled } from "./policies/kms-key-rotation-enabled";
import { lambdaJsonLogging } from "./policies/lambda-json-logging";
import { lambdaPermissionScoped } from "./policies/lambda-permission-scoped";
import { lambdaRuntimeSupported } from "./policies/lambda-runtime-supported";
import { lambdaSizeLimits } from "./policies/lambda-size-limits";
import { logGroupRetention } from "./policies/log-group-retention";
import { snsTopicEncrypted } from "./policies/sns-topic-encrypted";
import { snsTopicPolicyNoPublicPrincipal } from "./policies/sns-topic-policy-no-public-principal";
import { sqsQueueEncrypted } from "./policies/sqs-queue-encrypted";
import { sqsQueuePolicyNoPublicPrincipal } from "./policies/sqs-queue-policy-no-public-principal";
import { ssmAutomationActionsScopedByTag } from "./policies/ssm-automation-actions-scoped-by-tag";
import { stateMachineLogging } from "./policies/state-machine-logging";

export const allPolicies: PackPolicy[] = [
  iamNoWildcardActions,
  iamResourceWildcardOnlyWhereRequired,
  iamPassRoleScoped,
  iamInvokeExactTargets,
  iamRoleTrustsOneService,
  iamNoBroadManagedPolicies,
  ssmAutomationActionsScopedByTag,
  lambdaRuntimeSupported,
  lambdaSizeLimits,
  lambdaJsonLogging,
  lambdaPermissionScoped,
  snsTopicEncrypted,
  snsTopicPolicyNoPublicPrincipal,
  sqsQueueEncrypted,
  sqsQueuePolicyNoPublicPrincipal,
  kmsKeyRotationEnabled,
  dynamodbTableEncryptedWithPitr,
  logGroupRetention,
  stateMachineLogging,
  eventbridgeLambdaTargetResilient,
];
