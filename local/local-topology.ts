/**
 * The deployed functions as local workers: the same topology the component creates (each
 * function's entry and timeout), with the same environment contract, its values taken from the
 * local stand-ins instead of the stack's resources.
 */
import { resolve } from "node:path";
import { FUNCTION_MEMORY_MB } from "../core/limits";
import type { FunctionSpec } from "../core/topology";
import type { LocalFunctionSpec } from "./local-functions";

const PROJECT_ROOT = resolve(__dirname, "..");
export const LOCAL_PREFIX = "approval";

export const localFunctionArn = (region: string, account: string, key: string) =>
  `arn:aws:lambda:${region}:${account}:function:${LOCAL_PREFIX}-${key}`;

/** What every local function gets: what Lambda sets, plus the local endpoints. */
export function lambdaEnvironment(
  region: string,
  endpoints: Record<string, string>,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    // Never read the user's ~/.aws files or the instance metadata service: only the above counts.
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(FUNCTION_MEMORY_MB),
    AWS_LAMBDA_LOG_FORMAT: "JSON",
    // The deployed runtime is nodejs24.x: the SDK's notice about an older local Node is noise here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...endpoints,
  };
  if (process.env.PATH) env.PATH = process.env.PATH;
  if (process.env.LOG_LEVEL) env.LOG_LEVEL = process.env.LOG_LEVEL;
  return env;
}

/** Each function of the topology as a local worker, with exactly the variables its entry lists. */
export function localFunctionSpecs(
  topology: readonly FunctionSpec[],
  opts: { region: string; account: string; base: Record<string, string>; values: Record<string, string> },
): LocalFunctionSpec[] {
  return topology.map((fn) => {
    const name = `${LOCAL_PREFIX}-${fn.key}`;
    const variables = Object.fromEntries([
      ...fn.env.map((variable) => {
        const value = opts.values[variable];
        if (value === undefined)
          throw new Error(`function ${fn.key} reads ${variable}, which the sandbox does not provide`);
        return [variable, value];
      }),
      ...(fn.optionalEnv ?? [])
        .filter((variable) => opts.values[variable] !== undefined)
        .map((variable) => [variable, opts.values[variable]]),
    ]);
    return {
      name,
      arn: localFunctionArn(opts.region, opts.account, fn.key),
      handlerModule: resolve(PROJECT_ROOT, "lambdas", fn.entry, "index.ts"),
      timeoutSeconds: fn.timeoutSeconds,
      environment: { ...opts.base, AWS_LAMBDA_FUNCTION_NAME: name, ...variables },
    };
  });
}
