/**
 * Stack entry point (Pulumi.yaml `main`): reads and validates the stack config, builds the
 * workflow, exports what callers need. A config mistake (typos included) fails here, before any
 * resource is created. The package's entry, for programs that use ApprovalWorkflow, is lib.ts.
 */
import { ApprovalWorkflow } from "./components/approval-workflow";
import { readStackConfig } from "./components/stack-config";

/**
 * This project's own stacks keep the type token that version 0.1 deployed the workflow under:
 * the token is part of every child's URN, so changing it would replace every resource of a
 * deployed stack (tests/program-flat-upgrade.spec.ts holds the 0.1 URNs).
 */
class StackApprovalWorkflow extends ApprovalWorkflow {
  protected static override readonly resourceType = "parallel-approval:workflow:ApprovalWorkflow";
}

const workflow = new StackApprovalWorkflow("approval", readStackConfig());

export const stateMachineArn = workflow.stateMachineArn;
export const approvalPageUrl = workflow.approvalPageUrl;
export const signInCallbackUrl = workflow.signInCallbackUrl;
export const requestTableName = workflow.requestTableName;
export const approverTopicArns = workflow.approverTopicArns;
