/**
 * Stack entry point: reads the stack config, builds the workflow, exports what callers need.
 * ApprovalWorkflow validates the config (components/config.ts) before any resource is created,
 * so the casts below only name the expected shape; nothing trusts it unchecked.
 */
import * as pulumi from "@pulumi/pulumi";
import { ApprovalWorkflow, ApprovalWorkflowArgs } from "./components/approval-workflow";

const config = new pulumi.Config("parallel-approval");

const workflow = new ApprovalWorkflow("approval", {
  approvers: config.requireObject<ApprovalWorkflowArgs["approvers"]>("approvers"),
  quorum: config.getObject<number>("quorum"),
  approvalTimeout: config.get("approvalTimeout"),
});

export const stateMachineArn = workflow.stateMachineArn;
export const approvalPageUrl = workflow.approvalPageUrl;
export const requestTableName = workflow.requestTableName;
export const approverTopicArns = workflow.approverTopicArns;
