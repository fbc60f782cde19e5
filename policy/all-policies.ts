/**
 * Every policy of the pack, in one list. index.ts serves them; tests evaluate them directly
 * (importing index.ts would start the policy server).
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { dynamodbTableEncryptedWithPitr } from "./policies/dynamodb-table-encrypted-with-pitr";
import { eventbridgeLambdaTargetResilient } from "./policies/eventbridge-lambda-target-resilient";
import { iamNoBroadManagedPolicies } from "./policies/iam-no-broad-managed-policies";
import { iamNoWildcardActions } from "./policies/iam-no-wildcard-actions";
import { iamPassRoleScoped } from "./policies/iam-passrole-scoped";
import { iamResourceWildcardOnlyWhereRequired } from "./policies/iam-resource-wildcard-only-where-required";
import { iamRoleTrustsOneService } from "./policies/iam-role-trusts-one-service";
import { lambdaJsonLogging } from "./policies/lambda-json-logging";
import { lambdaRuntimeSupported } from "./policies/lambda-runtime-supported";
import { lambdaSizeLimits } from "./policies/lambda-size-limits";
import { logGroupRetention } from "./policies/log-group-retention";
import { snsTopicEncrypted } from "./policies/sns-topic-encrypted";
import { sqsQueueEncrypted } from "./policies/sqs-queue-encrypted";
import { stateMachineLogging } from "./policies/state-machine-logging";

export const allPolicies: ResourceValidationPolicy[] = [
  iamNoWildcardActions,
  iamResourceWildcardOnlyWhereRequired,
  iamPassRoleScoped,
  iamRoleTrustsOneService,
  iamNoBroadManagedPolicies,
  lambdaRuntimeSupported,
  lambdaSizeLimits,
  lambdaJsonLogging,
  snsTopicEncrypted,
  sqsQueueEncrypted,
  dynamodbTableEncryptedWithPitr,
  logGroupRetention,
  stateMachineLogging,
  eventbridgeLambdaTargetResilient,
];
