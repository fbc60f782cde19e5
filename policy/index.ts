/**
 * Entry point of the CrossGuard policy pack. Constructing a PolicyPack starts the gRPC server
 * the Pulumi CLI talks to, so nothing but the CLI may load this file: tests import the
 * policies from ./all-policies or ./policies/*.
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./all-policies";

new PolicyPack("parallel-approval-policies", {
  description:
    "Least privilege and safe defaults for the parallel-approval workflow (IAM, Lambda, SNS, SQS, KMS, DynamoDB, logs, Step Functions, EventBridge).",
  enforcementLevel: "mandatory",
  policies: allPolicies,
});
