/**
 * Stack entry point: reads and validates the stack config, builds the workflow, exports what
 * callers need. A config mistake (typos included) fails here, before any resource is created.
 */
import { ApprovalWorkflow } from "./components/approval-workflow";
import { readStackConfig } from "./components/stack-config";

const workflow = new ApprovalWorkflow("approval", readStackConfig());

export const stateMachineArn = workflow.stateMachineArn;
export const approvalPageUrl = workflow.approvalPageUrl;
export const signInCallbackUrl = workflow.signInCallbackUrl;
export const requestTableName = workflow.requestTableName;
export const approverTopicArns = workflow.approverTopicArns;
