/**
 * A small model of Amazon States Language (JSONPath): enough to type what the definition builder
 * emits, plain JSON underneath. https://states-language.net/spec.html
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface AslRetrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: "FULL" | "NONE";
}

export interface AslCatcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

interface AslFlow {
  Next?: string;
  End?: true;
}

export interface AslTaskState extends AslFlow {
  Type: "Task";
  Comment?: string;
  Resource: string;
  Parameters?: { [key: string]: JsonValue };
  ResultSelector?: { [key: string]: JsonValue };
  ResultPath?: string | null;
  OutputPath?: string;
  TimeoutSeconds?: number;
  /** A reference path to the wait in the state's input. */
  TimeoutSecondsPath?: string;
  Retry?: AslRetrier[];
  Catch?: AslCatcher[];
}

export interface AslParallelState extends AslFlow {
  Type: "Parallel";
  Comment?: string;
  Branches: AslBranch[];
  ResultPath?: string | null;
  Catch?: AslCatcher[];
}

export interface AslFailState {
  Type: "Fail";
  Comment?: string;
  Error?: string;
  Cause?: string;
  CausePath?: string;
}

export type AslState = AslTaskState | AslParallelState | AslFailState;

export interface AslBranch {
  StartAt: string;
  States: Record<string, AslState>;
}

export interface AslDefinition extends AslBranch {
  Comment?: string;
  QueryLanguage: "JSONPath";
}

export const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";
export const LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN = "arn:aws:states:::lambda:invoke.waitForTaskToken";

/** Step Functions caps state names at 80 characters. https://states-language.net/spec.html#states-fields */
export const MAX_STATE_NAME_LENGTH = 80;

/**
 * A Lambda payload template for event type E: each field either literal (`field`) or taken from
 * a path (`field.$`). Typed against the payload contracts, so a template cannot name a field the
 * handler does not expect.
 */
export type Payload<E> = { [K in keyof E & string as K | `${K}.$`]?: JsonValue };
