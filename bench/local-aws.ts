/**
 * Counting the AWS calls the real handlers make, with middleware on the handlers' own SDK clients
 * (lambdas/adapters/*-client.ts, one per container and service): the calls still go to their local
 * endpoints (dynalite, the sandbox's SNS and Step Functions stand-ins), the middleware only watches.
 *  - DynamoDB: asks for ReturnConsumedCapacity and records the request units dynalite computes
 *    from the item sizes, as DynamoDB bills them.
 *  - Step Functions: records each SendTaskSuccess / SendTaskFailure and whether the waiting task
 *    took it or the service refused it (TaskTimedOut, InvalidToken).
 *  - SNS: records each API request by command (Publish, ListSubscriptionsByTopic); the emails
 *    themselves are read from the local SNS endpoint's publish hook.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type { SNSClient } from "@aws-sdk/client-sns";

export interface DynamoCall {
  command: string;
  /** Request units dynalite reported; undefined when the call failed (e.g. a failed condition). */
  units?: number;
  kind: "read" | "write";
  failed: boolean;
}

export interface PublishedEmail {
  topicArn: string;
  subject?: string;
  message: string;
}

export interface TaskCallback {
  kind: "success" | "failure";
  error?: string;
  /** "delivered", or the name of the error the service answered (TaskTimedOut, InvalidToken). */
  result: string;
}

/** Everything seen so far; `reset()` starts a new count. */
export class CallLog {
  dynamo: DynamoCall[] = [];
  published: PublishedEmail[] = [];
  callbacks: TaskCallback[] = [];
  /** SNS API requests by command name, in order. */
  snsRequests: string[] = [];

  reset(): void {
    this.dynamo = [];
    this.published = [];
    this.callbacks = [];
    this.snsRequests = [];
  }

  writeUnits(): number {
    return sum(this.dynamo.filter((call) => call.kind === "write").map(unitsOf));
  }

  readUnits(): number {
    return sum(this.dynamo.filter((call) => call.kind === "read").map(unitsOf));
  }
}

const READS = new Set([
  "GetItemCommand",
  "QueryCommand",
  "ScanCommand",
  "BatchGetItemCommand",
  "TransactGetItemsCommand",
]);

/**
 * A failed conditional write is still billed: at least one unit, which is what the small items
 * here cost. Dynalite reports no capacity with the error, so the minimum is counted.
 */
function unitsOf(call: DynamoCall): number {
  return call.units ?? 1;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

type Input = Record<string, unknown>;
type InitializeHandler = (args: { input: Input }) => Promise<{ output: unknown; response?: unknown }>;
type InitializeMiddleware = (next: InitializeHandler, context: { commandName?: string }) => InitializeHandler;

/** Any SDK v3 client: only its middleware stack is used. */
interface MiddlewareHost {
  middlewareStack: { add(middleware: never, options: { step: "initialize"; name: string }): void };
}

function addMiddleware(client: MiddlewareHost, name: string, middleware: InitializeMiddleware): void {
  client.middlewareStack.add(middleware as never, { step: "initialize", name });
}

/** Counts the DynamoDB calls and their request units (dynalite computes them from item sizes). */
export function countDynamoDb(client: DynamoDBDocumentClient, log: CallLog): void {
  addMiddleware(client, "benchCountDynamoDb", (next, context) => async (args) => {
    const command = context.commandName ?? "UnknownCommand";
    args.input.ReturnConsumedCapacity = "TOTAL";
    const call: DynamoCall = { command, kind: READS.has(command) ? "read" : "write", failed: false };
    log.dynamo.push(call);
    try {
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity;
      call.units = consumed?.CapacityUnits;
      return result;
    } catch (error) {
      call.failed = true;
      throw error;
    }
  });
}

/** Records every task callback and how the service answered it. */
export function countTaskCallbacks(client: SFNClient, log: CallLog): void {
  addMiddleware(client, "benchCountTaskCallbacks", (next, context) => async (args) => {
    const callback: TaskCallback =
      context.commandName === "SendTaskFailureCommand"
        ? { kind: "failure", error: args.input.error as string | undefined, result: "delivered" }
        : { kind: "success", result: "delivered" };
    log.callbacks.push(callback);
    try {
      return await next(args);
    } catch (error) {
      callback.result = error instanceof Error ? error.name : "Error";
      throw error;
    }
  });
}

/** Records every SNS API request the handlers make (Publish, ListSubscriptionsByTopic). */
export function countSnsRequests(client: SNSClient, log: CallLog): void {
  addMiddleware(client, "benchCountSnsRequests", (next, context) => async (args) => {
    log.snsRequests.push(context.commandName ?? "UnknownCommand");
    return next(args);
  });
}
