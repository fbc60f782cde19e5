/**
 * Runs the Pulumi program (index.ts) under Pulumi mocks for a given stack config and returns
 * every registered resource with its inputs and the mock state (ARNs included), plus the stack
 * outputs. Shared by the program tests, the policy-pack compliance test and the benchmarks;
 * evaluateUnderMocks runs any other program body (e.g. the component provider's construct) the same way.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as state from "@pulumi/pulumi/runtime/state";
import { asProgramConfig, readProjectFile, withProjectDefaults } from "./pulumi-cli-config";

export const ACCOUNT_ID = "123456789012";
export const REGION = "eu-west-1";

/** The Regions a mocked cross-Region inference profile routes to, by its prefix (as AWS lists them for eu and us profiles). */
export const PROFILE_DESTINATIONS: Record<string, string[]> = {
  eu: ["eu-central-1", "eu-north-1", "eu-west-1", "eu-west-3"],
  us: ["us-east-1", "us-east-2", "us-west-2"],
};

/** What GetInferenceProfile answers for a system-defined profile: one foundation model ARN per destination Region. */
function inferenceProfileOf(id: string) {
  const [prefix, ...model] = id.split(".");
  const regions = PROFILE_DESTINATIONS[prefix] ?? [REGION];
  return {
    id,
    inferenceProfileId: id,
    inferenceProfileArn: `arn:aws:bedrock:${REGION}:${ACCOUNT_ID}:inference-profile/${id}`,
    inferenceProfileName: id,
    type: "SYSTEM_DEFINED",
    status: "ACTIVE",
    models: regions.map((region) => ({ modelArn: `arn:aws:bedrock:${region}::foundation-model/${model.join(".")}` })),
  };
}

export interface RegisteredResource {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, any>;
  state: Record<string, any>;
}

export interface ProgramRun {
  resources: RegisteredResource[];
  /** Every resource's real URN (the whole parent type chain, as the engine computes it). */
  urns: RegisteredUrn[];
  outputs: Record<string, unknown>;
}

/** A stack's `parallel-approval:` keys (namespace left out), as they would stand in Pulumi.<stack>.yaml. */
export type StackConfig = Record<string, unknown>;

/** A registered resource as the engine would name it, with the options that decide replacement. */
export interface RegisteredUrn {
  urn: string;
  type: string;
  name: string;
  ignoreChanges: string[];
  aliases: unknown[];
}

function physicalName(args: pulumi.runtime.MockResourceArgs): string {
  if (typeof args.inputs.name === "string") return args.inputs.name;
  if (typeof args.inputs.namePrefix === "string") return `${args.inputs.namePrefix}20261126`;
  return `${args.name}-0a1b2c3`;
}

/** ARNs and computed attributes the way AWS would return them for each resource type. */
function mockState(args: pulumi.runtime.MockResourceArgs, id: string): Record<string, unknown> {
  const name = physicalName(args);
  const at = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT_ID}:${resource}`;
  switch (args.type) {
    case "aws:sns/topic:Topic":
      return { name, arn: at("sns", name) };
    case "aws:lambda/function:Function":
      return {
        name,
        arn: at("lambda", `function:${name}`),
        invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${at("lambda", `function:${name}`)}/invocations`,
      };
    case "aws:dynamodb/table:Table":
      return { name, arn: at("dynamodb", `table/${name}`) };
    case "aws:iam/role:Role":
      return { name, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${name}` };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { name, arn: at("logs", `log-group:${name}`) };
    case "aws:sfn/stateMachine:StateMachine":
      return { name, arn: at("states", `stateMachine:${name}`) };
    case "aws:apigatewayv2/api:Api":
      return {
        arn: `arn:aws:apigateway:${REGION}::/apis/${id}`,
        executionArn: at("execute-api", id),
        apiEndpoint: `https://${id}.execute-api.${REGION}.amazonaws.com`,
      };
    case "aws:apigatewayv2/stage:Stage":
      return { invokeUrl: `https://${args.inputs.apiId}.execute-api.${REGION}.amazonaws.com/` };
    case "aws:sqs/queue:Queue":
      return { name, arn: at("sqs", name), url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT_ID}/${name}` };
    case "aws:ssm/document:Document":
      return { name, arn: at("ssm", `document/${name}`) };
    case "aws:cloudwatch/eventRule:EventRule":
      return { name, arn: at("events", `rule/${name}`) };
    case "aws:ssm/parameter:Parameter":
      // A parameter's name is given (a path): its ARN drops the leading slash.
      return { name: args.inputs.name, arn: at("ssm", `parameter/${String(args.inputs.name).replace(/^\//, "")}`) };
    default:
      return {};
  }
}

/**
 * The mocks every program run here uses: each registered resource is recorded (with the state
 * mockState gives it) and the AWS data sources the program calls answer for ACCOUNT_ID in REGION.
 */
export function stackMocks(resources: RegisteredResource[], preview = false): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      const id = preview ? "" : `${args.name}-id`; // an empty id is unknown during preview
      const computed = mockState(args, id);
      // Auto-names are known in a preview (the provider's Check assigns them); a namePrefix is not.
      const known =
        typeof computed.name === "string" && args.inputs.namePrefix === undefined ? { name: computed.name } : {};
      const mocked = { ...args.inputs, ...(preview ? known : computed) };
      resources.push({ type: args.type, name: args.name, id, inputs: args.inputs, state: mocked });
      return { id, state: mocked };
    },
    call(args) {
      if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
        return {
          accountId: ACCOUNT_ID,
          arn: `arn:aws:iam::${ACCOUNT_ID}:user/ci`,
          userId: "AIDATEST",
          id: ACCOUNT_ID,
        };
      }
      if (args.token === "aws:index/getRegion:getRegion") return { name: REGION, region: REGION, id: REGION };
      if (args.token === "aws:index/getPartition:getPartition")
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
      if (args.token === "aws:bedrock/getInferenceProfile:getInferenceProfile")
        return inferenceProfileOf(String(args.inputs.inferenceProfileId));
      return args.inputs;
    },
  };
}

const PROGRAM = path.join(__dirname, "..", "index.ts");

async function settle(count: () => number): Promise<void> {
  // Registrations chain through Outputs; wait until no new resource shows up for a few turns.
  let last = -1;
  let stableTurns = 0;
  while (stableTurns < 5) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (count() === last) stableTurns += 1;
    else stableTurns = 0;
    last = count();
  }
}

function resolveOutput<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** Evaluates index.ts for one stack config. Throws what the program throws (e.g. ConfigError). */
export async function runProgram(config: StackConfig, options: EvaluateOptions = {}): Promise<ProgramRun> {
  const { error, ...run } = await evaluateProgram(config, options);
  if (error !== undefined) throw error;
  return run;
}

/**
 * Records each resource's parent chain through a stack transformation on a root Stack component,
 * as `pulumi up` creates one, so URNs can be computed as the engine computes them (the mock
 * monitor's own URNs keep only the nearest parent type).
 */
function captureUrns(project: string, stack: string): () => RegisteredUrn[] {
  const seen = new Map<
    pulumi.Resource,
    { type: string; name: string; parent?: pulumi.Resource; opts: pulumi.ResourceOptions }
  >();
  const root = new pulumi.ComponentResource(
    "pulumi:pulumi:Stack",
    `${project}-${stack}`,
    {},
    {
      transformations: [
        (args) => {
          if (args.type !== "pulumi:pulumi:Stack")
            seen.set(args.resource, { type: args.type, name: args.name, parent: args.opts.parent, opts: args.opts });
          return undefined;
        },
      ],
    },
  );
  (state as unknown as { setStackResource(resource: pulumi.Resource): void }).setStackResource(root);
  return () =>
    [...seen.values()].map((entry) => {
      const types = [entry.type];
      for (let parent = entry.parent; parent !== undefined && seen.has(parent); parent = seen.get(parent)!.parent)
        types.unshift(seen.get(parent)!.type);
      return {
        urn: `urn:pulumi:${stack}::${project}::${types.join("$")}::${entry.name}`,
        type: entry.type,
        name: entry.name,
        ignoreChanges: entry.opts.ignoreChanges ?? [],
        aliases: (entry.opts.aliases as unknown[] | undefined) ?? [],
      };
    });
}

export interface EvaluateOptions {
  /**
   * Evaluate as the first `pulumi preview` of a new stack: nothing exists yet, so a resource's
   * outputs are its inputs plus its auto-name; ids, ARNs and the rest are unknown.
   */
  preview?: boolean;
  /** Apply Pulumi.yaml's defaults the way the CLI does (default true). */
  projectDefaults?: boolean;
  /** Config outside the project's namespace, e.g. aws:region. */
  extra?: Record<string, unknown>;
}

/** Like runProgram, but returns the error with whatever was registered before it. */
export async function evaluateProgram(
  config: StackConfig,
  options: EvaluateOptions = {},
): Promise<ProgramRun & { error?: unknown }> {
  const stackValues: Record<string, unknown> = { "aws:region": REGION, ...options.extra };
  for (const [key, value] of Object.entries(config))
    if (value !== undefined) stackValues[`parallel-approval:${key}`] = value;
  const values = options.projectDefaults === false ? stackValues : withProjectDefaults(readProjectFile(), stackValues);
  return evaluateUnderMocks(
    () => {
      delete require.cache[require.resolve(PROGRAM)];
      return require(PROGRAM) as Record<string, pulumi.Output<unknown>>;
    },
    { config: values, preview: options.preview },
  );
}

export interface MockedRunOptions {
  /** The project and stack the mocks report (default parallel-approval, dev). */
  project?: string;
  stack?: string;
  /** Full config keys with YAML values, as the stack would hold them. */
  config?: Record<string, unknown>;
  /** As a first preview: see EvaluateOptions.preview. */
  preview?: boolean;
}

/**
 * Runs `body` (a program: it registers resources and returns its outputs) under stackMocks with
 * the given config, and returns what it registered, their URNs and its resolved outputs, or the
 * error it threw with whatever was registered before it.
 */
export async function evaluateUnderMocks(
  body: () => Record<string, pulumi.Output<unknown>> | Promise<Record<string, pulumi.Output<unknown>>>,
  options: MockedRunOptions = {},
): Promise<ProgramRun & { error?: unknown }> {
  const resources: RegisteredResource[] = [];
  const project = options.project ?? "parallel-approval";
  const stack = options.stack ?? "dev";
  const preview = options.preview ?? false;
  await pulumi.runtime.setMocks(stackMocks(resources, preview), project, stack, preview);
  const urns = captureUrns(project, stack);
  pulumi.runtime.setAllConfig(asProgramConfig(options.config ?? { "aws:region": REGION }));
  const outputs: Record<string, unknown> = {};
  try {
    const program = await body();
    // During a preview the outputs are unknown: apply() never runs, so there is nothing to wait for.
    if (!preview) for (const [key, output] of Object.entries(program)) outputs[key] = await resolveOutput(output);
  } catch (error) {
    await settle(() => resources.length);
    return { resources: withoutRoot(resources), urns: urns(), outputs, error };
  }
  await settle(() => resources.length);
  return { resources: withoutRoot(resources), urns: urns(), outputs };
}

const withoutRoot = (resources: RegisteredResource[]) => resources.filter((r) => r.type !== "pulumi:pulumi:Stack");

/** Example approvers: `count` link approvers named approver-1..N, or the given names. */
export function exampleApprovers(
  count: number,
  iamCount = 0,
): Array<{ name: string; email: string; iamPrincipal?: string }> {
  return Array.from({ length: count }, (_, index) => {
    const name = `approver-${index + 1}`;
    return index < iamCount
      ? { name, email: `${name}@example.com`, iamPrincipal: `arn:aws:iam::${ACCOUNT_ID}:role/Approver${index + 1}` }
      : { name, email: `${name}@example.com` };
  });
}

export function resourcesOfType(run: ProgramRun, type: string): RegisteredResource[] {
  return run.resources.filter((resource) => resource.type === type);
}
