/**
 * The sandbox CLI's flags (`npm start -- --help`). Pure: parses argv into options or a usage
 * error, so the CLI and its tests agree on one set of rules.
 */
import { parseArgs } from "node:util";
import { parseDuration } from "../core/durations";
import type { ExecutionInput } from "../core/model";
import type { SandboxReviewers } from "../channels/automated/local-options";
import { DEFAULT_STACK } from "./stack-config";

export const DEFAULT_PORT = 8787;

export interface CliOptions {
  stack: string;
  port: number;
  request: ExecutionInput;
  /** Overrides the stack's approvalTimeout, in seconds. */
  timeoutSeconds?: number;
  /** Approvers whose email subscription the local SNS keeps unconfirmed (--unconfirmed, repeatable). */
  unconfirmed: string[];
  /** How automated reviewers are played (--reviewer NAME=PATH, --bedrock-answer, --bedrock-rules). */
  reviewers: SandboxReviewers;
  keepOpen: boolean;
  /** Keep running and serve many requests, started through the local Step Functions endpoint (local/serve/). */
  serve: boolean;
  verbose: boolean;
  help: boolean;
  /** Sign-in on the approval page, through a local OpenID Provider (--sign-in). */
  signIn: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const DEFAULT_REQUEST: ExecutionInput = {
  subject: "Deploy payments-api 2.4.0 to production",
  details:
    "Changes: retries for card captures, database migration 0042 (adds an index, online).\n" +
    "Rollback: redeploy 2.3.9; the migration is backward compatible.",
  reviewUrl: "https://github.com/example/payments-api/pull/42",
};

export const HELP = `Usage: npm start -- [options]

Runs one whole approval request on this machine, with no AWS account: the workflow's own
state-machine definition and Lambda handlers, against a local DynamoDB (dynalite) and local
SNS / Step Functions / SSM endpoints, all on 127.0.0.1. Runs the stack's stages in order and
prints each stage as it opens and ends, each approver's link and email, each decision as it
arrives, then the outcome and the execution output, and exits.

Options:
  --stack NAME          read the stages (or approvers, quorum and timeout) from Pulumi.NAME.yaml
                        (default: ${DEFAULT_STACK})
  --subject TEXT        the request's subject (default: "${DEFAULT_REQUEST.subject}")
  --details TEXT        the request's details (default: a sample deployment note)
  --review-url URL      an https link to what is to be approved (default: a sample pull request)
  --requested-by TEXT   who asks (default: your user name)
  --timeout DURATION    each approver's time to decide in every stage, e.g. 2m or 30s, instead of the stack's
  --port N              port of the approval pages on 127.0.0.1 (default: ${DEFAULT_PORT}; 0: any free port)
  --unconfirmed NAME    leave approver NAME's email subscription unconfirmed in the local SNS, as if they
                        never confirmed it or a mail scanner unsubscribed them: when asked, a link approver
                        is recorded at once as unreachable (counting like a missed deadline) and the
                        workflow logs an error naming them. Repeat the flag for several approvers.
  --reviewer NAME=PATH  run automated reviewer NAME (a function reviewer) as the local module PATH, which
                        exports handler(input) and answers { decision, comment } (README: "Automated
                        reviewers"); without it that reviewer abstains. Repeat for several reviewers.
  --bedrock-answer approve|reject
                        what the local Bedrock stand-in answers every Bedrock reviewer (default: approve)
  --bedrock-rules FILE  a JSON rules file choosing the stand-in's answers by the request's text
                        (see local/bedrock-answers.ts: decisions, text answers, refusals, errors, delays)
  --sign-in             require sign-in on the approval pages, as a stack with parallel-approval:signIn does:
                        a real OpenID Provider (oidc-provider) runs on 127.0.0.1 with the approvers and
                        backups as its users; a decision needs the signed-in person the link was sent to
  --keep-open           keep serving the pages after the request closes, until Ctrl-C
  --serve               start no request: keep running until Ctrl-C and serve, on the printed endpoint, the
                        Step Functions calls of this stack's state machine (StartExecution, DescribeExecution,
                        ListExecutions, StopExecution, GetExecutionHistory), for many requests at once, from
                        npx parallel-approval, the AWS CLI (--endpoint-url) or an SDK; prints each request's
                        approval links as it opens; / lists the open requests. The request flags do not apply.
  --verbose             also print the Lambda handlers' JSON log lines
  -h, --help            show this help

Exit status: 0 when the request closed (approved, rejected or expired), 1 when the workflow
failed or the sandbox could not start, 2 for a bad option or stack config, 130 when stopped by
Ctrl-C (SIGINT) or SIGTERM: decisions being sent are answered first, then everything stops.`;

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`--port must be a port number from 0 to 65535, got "${text}"`);
  return port;
}

function reviewersOf(specs: string[], bedrockAnswer?: string, bedrockRules?: string): SandboxReviewers {
  const modules: Record<string, string> = {};
  for (const spec of specs) {
    const match = /^([a-z0-9][a-z0-9-]{0,31})=(.+)$/.exec(spec);
    if (match === null)
      throw new UsageError(`--reviewer must be NAME=PATH (e.g. lint=./my-reviewer.js), got "${spec}"`);
    modules[match[1]] = match[2];
  }
  if (bedrockAnswer !== undefined && bedrockAnswer !== "approve" && bedrockAnswer !== "reject")
    throw new UsageError(`--bedrock-answer must be approve or reject, got "${bedrockAnswer}"`);
  const reviewers: SandboxReviewers = {};
  if (specs.length > 0) reviewers.modules = modules;
  if (bedrockAnswer !== undefined) reviewers.bedrockAnswer = bedrockAnswer;
  if (bedrockRules !== undefined) reviewers.bedrockRules = bedrockRules;
  return reviewers;
}

export function parseCliOptions(argv: string[], defaults: { requestedBy?: string } = {}): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string" },
        subject: { type: "string" },
        details: { type: "string" },
        "review-url": { type: "string" },
        "requested-by": { type: "string" },
        timeout: { type: "string" },
        port: { type: "string" },
        unconfirmed: { type: "string", multiple: true },
        reviewer: { type: "string", multiple: true },
        "bedrock-answer": { type: "string" },
        "bedrock-rules": { type: "string" },
        "keep-open": { type: "boolean" },
        serve: { type: "boolean" },
        "sign-in": { type: "boolean" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  let timeoutSeconds: number | undefined;
  if (values.timeout !== undefined) {
    timeoutSeconds = parseDuration(values.timeout);
    if (timeoutSeconds === undefined || timeoutSeconds < 1) {
      throw new UsageError(`--timeout must be a duration such as 30s, 2m or 1h, got "${values.timeout}"`);
    }
  }

  const request: ExecutionInput = { subject: values.subject ?? DEFAULT_REQUEST.subject };
  const details = values.details ?? DEFAULT_REQUEST.details;
  const reviewUrl = values["review-url"] ?? DEFAULT_REQUEST.reviewUrl;
  const requestedBy = values["requested-by"] ?? defaults.requestedBy;
  // An empty flag leaves the optional field out, e.g. --review-url "" for a request without a link.
  if (details) request.details = details;
  if (reviewUrl) request.reviewUrl = reviewUrl;
  if (requestedBy) request.requestedBy = requestedBy;

  const options: CliOptions = {
    reviewers: reviewersOf(values.reviewer ?? [], values["bedrock-answer"], values["bedrock-rules"]),
    stack: values.stack ?? DEFAULT_STACK,
    port: values.port === undefined ? DEFAULT_PORT : parsePort(values.port),
    request,
    unconfirmed: [...new Set(values.unconfirmed ?? [])],
    keepOpen: values["keep-open"] ?? false,
    serve: values.serve ?? false,
    verbose: values.verbose ?? false,
    help: values.help ?? false,
    signIn: values["sign-in"] ?? false,
  };
  if (timeoutSeconds !== undefined) options.timeoutSeconds = timeoutSeconds;
  return options;
}
