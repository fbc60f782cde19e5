/**
 * The CLI's AWS side: clients on the SDK's default credential chain (environment, AWS_PROFILE
 * and the shared files, SSO, a web identity token such as GitHub's OIDC one, container and
 * instance roles; https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html)
 * in the Region of the ARN they work on, and what each failure means, in words that say what to
 * do: no credentials, expired or invalid ones, a wrong ARN, AccessDenied naming the action the
 * caller needs, an endpoint that cannot be reached.
 */
import { SFNClient } from "@aws-sdk/client-sfn";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

export interface AwsOptions {
  /** A local or private endpoint for Step Functions and STS (e.g. the sandbox's), instead of AWS's. */
  endpointUrl?: string;
  /** Default: the Region in the ARN. */
  region?: string;
}

export interface AwsClients {
  sfn: Pick<SFNClient, "send">;
  sts: Pick<STSClient, "send">;
  region: string;
}

/** A failure the CLI explains and exits 1 for. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

export const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;
export const EXECUTION_ARN =
  /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):execution:([A-Za-z0-9_-]{1,80}):([^:\s]{1,80})$/;

export function regionOfArn(arn: string): string | undefined {
  return (STATE_MACHINE_ARN.exec(arn) ?? EXECUTION_ARN.exec(arn))?.[1];
}

/** The executions of a state machine, as IAM names them (for DescribeExecution and GetExecutionHistory). */
export function executionsArnOf(arn: string): string {
  const machine = STATE_MACHINE_ARN.exec(arn);
  if (machine) return `${arn.replace(":stateMachine:", ":execution:")}:*`;
  const execution = EXECUTION_ARN.exec(arn);
  return execution ? `${arn.slice(0, arn.lastIndexOf(":"))}:*` : arn;
}

export function awsClients(arn: string, options: AwsOptions): AwsClients {
  const region = options.region ?? regionOfArn(arn);
  if (region === undefined) throw new CliError(`cannot tell the Region of ${arn}; pass --region`);
  const common = {
    region,
    ...(options.endpointUrl === undefined ? {} : { endpoint: options.endpointUrl }),
  };
  return { sfn: new SFNClient(common), sts: new STSClient(common), region };
}

/** The caller's identity ARN (GetCallerIdentity needs no permission, and cannot be denied). */
export async function callerArn(clients: AwsClients, options: AwsOptions): Promise<string> {
  try {
    const out = await clients.sts.send(new GetCallerIdentityCommand({}));
    if (!out.Arn) throw new CliError("STS GetCallerIdentity answered no ARN");
    return out.Arn;
  } catch (error) {
    throw explain(error, { action: "sts:GetCallerIdentity", resource: "*", options });
  }
}

export interface Attempt {
  /** The IAM action the call needs, e.g. states:StartExecution. */
  action: string;
  resource: string;
  options: AwsOptions;
}

const CREDENTIALS_HELP =
  "the CLI uses the AWS SDK's default credential chain: set AWS_PROFILE (after `aws sso login` if it is an SSO profile), " +
  "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is provided (GitHub Actions: aws-actions/configure-aws-credentials with OIDC)";

/** The error as a CliError whose message says what happened and what to do. */
export function explain(error: unknown, attempt: Attempt): CliError {
  if (error instanceof CliError) return error;
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string })?.code;
  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(message))
    return new CliError(`no AWS credentials found: ${CREDENTIALS_HELP}`);
  if (name === "ExpiredTokenException" || name === "ExpiredToken" || /expired/i.test(name))
    return new CliError(`the AWS credentials have expired (${message}); renew them (e.g. aws sso login) and try again`);
  if (
    [
      "UnrecognizedClientException",
      "InvalidClientTokenId",
      "InvalidSignatureException",
      "SignatureDoesNotMatch",
    ].includes(name)
  )
    return new CliError(`AWS does not accept these credentials (${name}: ${message}); ${CREDENTIALS_HELP}`);
  if (name === "AccessDeniedException" || name === "AccessDenied")
    return new CliError(
      `not allowed: the caller needs ${attempt.action} on ${attempt.resource} (AWS said: ${message}). ` +
        'README, "CI: the GitHub Action", has the least-privilege policy.',
    );
  if (name === "InvalidArn") return new CliError(`not a valid ARN: ${attempt.resource} (${message})`);
  if (name === "StateMachineDoesNotExist")
    return new CliError(
      `no such state machine: ${message}. Check the ARN (pulumi stack output stateMachineArn) and that the credentials are for its account`,
    );
  if (name === "ExecutionDoesNotExist")
    return new CliError(`no such execution: ${message}. Check the ARN and that the credentials are for its account`);
  if (name === "InvalidExecutionInput") return new CliError(`Step Functions refused the input: ${message}`);
  if (name === "ExecutionAlreadyExists")
    return new CliError(`an execution of that name exists already, with other input or ended: ${message}`);
  if (code === "ECONNREFUSED" || name === "ECONNREFUSED" || /ECONNREFUSED/.test(message)) {
    const where = attempt.options.endpointUrl ?? "AWS";
    return new CliError(
      `could not reach ${where}${attempt.options.endpointUrl ? " (is the sandbox running? npm start -- --serve)" : ""}: ${message}`,
    );
  }
  return new CliError(`${attempt.action} failed: ${name || "Error"}: ${message}`);
}
