/** How the sandbox plays automated reviewers (`npm start -- --reviewer`, `--bedrock-answer`, `--bedrock-rules`). */
export interface SandboxReviewers {
  /** A local module (exporting `handler`) per function reviewer, by approver name. */
  modules?: Record<string, string>;
  /** What the local Bedrock stand-in answers every request: approve or reject. */
  bedrockAnswer?: string;
  /** A rules file choosing the stand-in's answers (local/bedrock-answers.ts). */
  bedrockRules?: string;
}
