/**
 * The function topology: every Lambda of the workflow as plain data, written once and read by
 * ApprovalWorkflow (to create each function with its role), by the sandbox (to run each handler
 * with the environment it has when deployed) and by the bench. The request lifecycle's functions
 * are listed here; each channel lists its own in its spec.
 *
 * Permissions are declared by name: `table` lists the request-store actions, `grants` names
 * grants that the store, the lifecycle pieces or a channel exposes (see components/grants.ts).
 * A name nothing exposes fails the stack before any resource is created.
 */
import { ENV, type EnvName } from "./environment";
import type { ChannelKind } from "./model";

export type TableAction = "GetItem" | "PutItem" | "UpdateItem";

/** Who invokes the function: the state machine, the approval page's API, EventBridge, or another function of the workflow. */
export type Invoker = "stateMachine" | "api" | "events" | "function";

export interface FunctionSpec {
  /** Stable key: names the function's resources (`<workflow>-<key>`) and its ARN in the definition. */
  key: string;
  /** Folder under lambdas/ holding index.ts with the `handler` export. */
  entry: string;
  description: string;
  /** The environment variables the handler reads. */
  env: readonly EnvName[];
  /** Variables it reads when the stack has the feature (e.g. sign-in): set when provided, absent otherwise. */
  optionalEnv?: readonly EnvName[];
  table: readonly TableAction[];
  grants: readonly string[];
  invokedBy: readonly Invoker[];
  /** Seconds; the default is DEFAULT_FUNCTION_TIMEOUT_SECONDS. */
  timeoutSeconds?: number;
  /** Set when a channel owns the function (its infra creates it, under its own component). */
  channel?: ChannelKind;
}

const STORE_ENV = [ENV.tableName, ENV.recordRetentionDays] as const;

/** Grant names the lifecycle uses; channels may name their own. */
export const GRANT = {
  /** SendTaskSuccess / SendTaskFailure: answering a waiting task. */
  taskCallbacks: "taskCallbacks",
  /** Whatever each channel in use needs to release a pending ask when the request closes. */
  releaseAsks: "releaseAsks",
  /** The lifecycle dead-letter queue (async invocations that failed every retry). */
  lifecycleDeadLetters: "lifecycleDeadLetters",
  /** events:PutEvents on exactly the stack's event bus, and sns:Publish on the requester topic if one is set. */
  publishDecision: "publishDecision",
} as const;

/** The request lifecycle: open, record a part that ended without a verdict, close. */
export const LIFECYCLE_FUNCTIONS: readonly FunctionSpec[] = [
  {
    key: "open-request",
    entry: "open-request",
    description: "Validates a request and opens its record",
    env: STORE_ENV,
    table: ["GetItem", "PutItem"],
    grants: [],
    invokedBy: ["stateMachine"],
  },
  {
    key: "record-expiry",
    entry: "record-expiry",
    description: "Records an approver's part that ended without a decision (deadline, unreachable, channel failure)",
    env: STORE_ENV,
    table: ["GetItem", "UpdateItem"],
    grants: [],
    invokedBy: ["stateMachine"],
  },
  {
    key: "close-request",
    entry: "close-request",
    description: "Closes a request and reports its outcome (the execution output and an Approval Decided event)",
    env: [...STORE_ENV, ENV.decidedDelivery],
    table: ["GetItem", "UpdateItem"],
    grants: [GRANT.releaseAsks, GRANT.lifecycleDeadLetters, GRANT.publishDecision],
    invokedBy: ["stateMachine", "events"],
  },
];

/** The topology of a stack: the lifecycle, then the functions of each channel in use. */
export function functionTopology(channelFunctions: readonly FunctionSpec[]): FunctionSpec[] {
  const all = [...LIFECYCLE_FUNCTIONS, ...channelFunctions];
  const keys = new Set<string>();
  for (const fn of all) {
    if (keys.has(fn.key)) throw new Error(`function topology: "${fn.key}" is listed twice`);
    keys.add(fn.key);
  }
  return all;
}
