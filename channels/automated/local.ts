/**
 * The automated channel in the sandbox, with no AWS account: automated-review runs unchanged and
 * invokes reviewers through a local Lambda endpoint (AWS_ENDPOINT_URL_LAMBDA), the Bedrock
 * reviewer calls a local Converse stand-in (AWS_ENDPOINT_URL_BEDROCK_RUNTIME).
 *  - A `function` reviewer runs the local module the user points at (`--reviewer NAME=./file.js`,
 *    exporting `handler`), in its own worker like every local function. Without one, its
 *    invocations find no function, so it abstains (the sandbox warns at start).
 *  - The shipped Bedrock reviewer is the sandbox's own bedrock-reviewer function; the stand-in's
 *    answers come from `--bedrock-answer approve|reject` or a rules file (`--bedrock-rules FILE`).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ENV } from "../../core/environment";
import { DEFAULT_ANSWER, flagAnswer, parseRules, type StandInRules } from "../../local/bedrock-answers";
import { startFakeBedrockRuntime, type FakeBedrockRuntime } from "../../local/fake-bedrock-runtime";
import { startFakeLambda, type LocalInvokeTarget } from "../../local/fake-lambda";
import { startLocalFunctions, type LocalFunctions } from "../../local/local-functions";
import { lambdaEnvironment, localFunctionArn } from "../../local/local-topology";
import type { ApproverSettings } from "../../core/settings";
import type { LocalChannelContext, LocalChannelFactory } from "../local-types";
import type { SandboxReviewers } from "./local-options";
import { REVIEW_FUNCTION_TIMEOUT_SECONDS, bedrockModelsOf } from "./spec";

const isFunctionReviewer = (a: ApproverSettings) => "function" in a.options;

/** Why these stand-ins cannot be used with this stack, or undefined. */
export function reviewersProblem(
  approvers: readonly ApproverSettings[],
  reviewers: SandboxReviewers,
): string | undefined {
  const functionReviewers = approvers.filter(isFunctionReviewer).map((a) => a.name);
  const unknown = Object.keys(reviewers.modules ?? {}).filter((name) => !functionReviewers.includes(name));
  if (unknown.length > 0)
    return `--reviewer ${unknown.join(", ")}: not a function reviewer of this stack (those are: ${functionReviewers.join(", ") || "none"})`;
  if (reviewers.bedrockAnswer !== undefined && reviewers.bedrockRules !== undefined)
    return "--bedrock-answer and --bedrock-rules cannot be combined";
  return undefined;
}

function standInRules(reviewers: SandboxReviewers): StandInRules {
  if (reviewers.bedrockRules !== undefined) {
    let text: string;
    try {
      text = readFileSync(reviewers.bedrockRules, "utf8");
    } catch (error) {
      throw new RangeError(`--bedrock-rules: cannot read ${reviewers.bedrockRules}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return parseRules(text, reviewers.bedrockRules);
  }
  if (reviewers.bedrockAnswer !== undefined) return { rules: [], default: flagAnswer(reviewers.bedrockAnswer) };
  return { rules: [], default: DEFAULT_ANSWER };
}

/** The user's reviewer modules, each as a local function under its configured ARN. */
async function startReviewerModules(
  ctx: LocalChannelContext,
  modules: Record<string, string>,
): Promise<LocalFunctions> {
  const credentials = { accessKeyId: "sandbox", secretAccessKey: "sandbox" };
  return startLocalFunctions(
    ctx.approvers
      .filter((a) => isFunctionReviewer(a) && modules[a.name] !== undefined)
      .map((a) => ({
        name: `reviewer-${a.name}`,
        arn: (a.options as { function: string }).function,
        handlerModule: resolve(modules[a.name]),
        timeoutSeconds: REVIEW_FUNCTION_TIMEOUT_SECONDS,
        environment: {
          ...lambdaEnvironment(ctx.region, {}, credentials),
          AWS_LAMBDA_FUNCTION_NAME: `reviewer-${a.name}`,
        },
      })),
    { onLog: (line) => ctx.emit({ type: "log", ...line }) },
  );
}

export const automatedLocal: LocalChannelFactory = {
  async start(ctx) {
    const reviewers = ctx.reviewers ?? {};
    const problem = reviewersProblem(ctx.approvers, reviewers);
    if (problem !== undefined) throw new RangeError(problem);
    const modules = reviewers.modules ?? {};
    for (const approver of ctx.approvers.filter((a) => isFunctionReviewer(a) && modules[a.name] === undefined))
      ctx.emit({
        type: "warning",
        message: `${approver.name} reviews through ${approver.address}, which is not on this machine: pass --reviewer ${approver.name}=./my-reviewer.js to run a local module instead; without one it abstains`,
      });
    const hasBedrock = bedrockModelsOf(ctx.approvers).length > 0;
    const rules = standInRules(reviewers);
    const bedrock: FakeBedrockRuntime | undefined = hasBedrock ? await startFakeBedrockRuntime({ rules }) : undefined;
    const local = await startReviewerModules(ctx, modules);
    const bedrockReviewerArn = localFunctionArn(ctx.region, ctx.account, "bedrock-reviewer");
    const targets = new Map<string, LocalInvokeTarget>();
    for (const approver of ctx.approvers.filter((a) => isFunctionReviewer(a) && modules[a.name] !== undefined)) {
      const arn = (approver.options as { function: string }).function;
      targets.set(arn, (payload) => local.invoke(arn, payload));
    }
    if (hasBedrock) targets.set(bedrockReviewerArn, (payload) => ctx.invoke("bedrock-reviewer", payload));
    const lambda = await startFakeLambda(targets);
    return {
      endpoints: {
        AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
        ...(bedrock === undefined ? {} : { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.endpoint }),
      },
      environment: { [ENV.bedrockReviewerFunction]: hasBedrock ? bedrockReviewerArn : "" },
      routes: [],
      async stop() {
        await lambda.stop();
        await local.stop();
        await bedrock?.stop();
      },
    };
  },
};
