/**
 * The package's entry: what `import { ApprovalWorkflow } from "parallel-approval"` gives a
 * TypeScript program, and where Pulumi's component analyzer starts when `pulumi package add`
 * introspects this package for another language (provider.ts hosts it). Programs load its build,
 * dist/lib.js and dist/lib.d.ts (package.json `exports` and `types`, built by the `prepack`
 * script); the analyzer reads this source (package.json `main`, see components/component-provider.ts).
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
