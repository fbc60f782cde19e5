/**
 * The package's entry (package.json `exports`): what `import { ApprovalWorkflow } from
 * "parallel-approval"` gives a TypeScript program, and where Pulumi's component analyzer starts
 * when `pulumi package add` introspects this package for another language (provider.ts hosts it).
 * The stack program of this repository is index.ts.
 */
export {
  APPROVAL_WORKFLOW_TYPE,
  ApprovalWorkflow,
  type ApprovalWorkflowArgs,
  type Approver,
  type PageThrottle,
  type ApprovalStage,
  type Reviewer,
  type Backup,
  type SignIn,
} from "./components/approval-workflow";
export { ConfigError } from "./core/config";
