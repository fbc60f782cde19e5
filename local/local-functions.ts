/**
 * Local Lambda functions: each one a worker thread (local/function-container.ts) that loads the
 * real handler module with the function's own environment, as a Lambda container would. The
 * handlers' JSON log lines (their stdout) are captured and handed to `onLog` instead of mixing
 * with the sandbox's own output.
 *
 * An invocation fails the way the Lambda service reports a function error: the Error's `name` is
 * the error type (e.g. `Approval.InvalidInput`), which the local runner turns into the Step
 * Functions error, and a function that runs past its timeout fails with `Sandbox.Timedout`.
 */
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { Worker } from "node:worker_threads";
import type { ContainerData, ContainerMessage, ContainerRequest } from "./function-container";

import { DEFAULT_FUNCTION_TIMEOUT_SECONDS, FUNCTION_MEMORY_MB as MEMORY_MB } from "../core/limits";

export { DEFAULT_FUNCTION_TIMEOUT_SECONDS };

export interface LocalFunctionSpec {
  /** Function name (the last part of its ARN). */
  name: string;
  arn: string;
  /** Absolute path of the module exporting `handler`. */
  handlerModule: string;
  /** The function's whole environment: nothing else of this process leaks in. */
  environment: Record<string, string>;
  timeoutSeconds?: number;
}

export interface FunctionLogLine {
  functionName: string;
  stream: "stdout" | "stderr";
  line: string;
}

export interface LocalFunctionsOptions {
  onLog?: (line: FunctionLogLine) => void;
}

export interface LocalFunctions {
  /** Invokes by ARN or name, with a JSON payload; resolves with the JSON result. */
  invoke(functionArnOrName: string, payload: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

class LocalFunction {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private stopped = false;
  readonly ready: Promise<void>;

  constructor(
    readonly spec: LocalFunctionSpec,
    options: LocalFunctionsOptions,
  ) {
    const data: ContainerData = {
      handlerModule: spec.handlerModule,
      functionName: spec.name,
      functionArn: spec.arn,
      memoryMb: MEMORY_MB,
    };
    // The container is TypeScript: register tsx inside the worker (execArgv is not inherited, so
    // the worker starts the same way under mocha, tsx or plain node).
    const bootstrap = `require(${JSON.stringify(require.resolve("tsx/cjs"))}); require(${JSON.stringify(require.resolve("./function-container"))});`;
    this.worker = new Worker(bootstrap, {
      eval: true,
      workerData: data,
      env: spec.environment,
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    for (const stream of ["stdout", "stderr"] as const) {
      createInterface({ input: this.worker[stream] }).on("line", (line) =>
        options.onLog?.({ functionName: spec.name, stream, line }),
      );
    }
    this.ready = new Promise((resolve, reject) => {
      const onInit = (message: ContainerMessage) => {
        if (message.type === "ready") resolve();
        else if (message.type === "initError")
          reject(
            namedError("Runtime.ImportModuleError", `${spec.name}: ${message.errorType}: ${message.errorMessage}`),
          );
      };
      this.worker.once("message", onInit);
      this.worker.once("error", reject);
    });
    this.worker.on("message", (message: ContainerMessage) => {
      if (message.type !== "result") return;
      const pending = this.pending.get(message.id);
      if (!pending) return; // timed out earlier
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.ok) pending.resolve(JSON.parse(message.payload));
      else pending.reject(namedError(message.errorType, message.errorMessage));
    });
    this.worker.on("exit", (code) => {
      for (const [id, pending] of this.pending) {
        clearTimeout(pending.timer);
        pending.reject(namedError("Runtime.ExitError", `${spec.name}: the container exited (code ${code})`));
        this.pending.delete(id);
      }
    });
  }

  invoke(payload: unknown): Promise<unknown> {
    if (this.stopped)
      return Promise.reject(namedError("Lambda.ServiceException", `${this.spec.name}: the sandbox is stopping`));
    const id = ++this.nextId;
    const timeoutMs = (this.spec.timeoutSeconds ?? DEFAULT_FUNCTION_TIMEOUT_SECONDS) * 1000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(namedError("Sandbox.Timedout", `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      const request: ContainerRequest = {
        id,
        payload: JSON.stringify(payload ?? null),
        requestId: randomUUID(),
        deadline: Date.now() + timeoutMs,
      };
      this.worker.postMessage(request);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.worker.terminate();
  }
}

export async function startLocalFunctions(
  specs: LocalFunctionSpec[],
  options: LocalFunctionsOptions = {},
): Promise<LocalFunctions> {
  const functions = specs.map((spec) => new LocalFunction(spec, options));
  const byKey = new Map<string, LocalFunction>();
  for (const fn of functions) {
    byKey.set(fn.spec.arn, fn);
    byKey.set(fn.spec.name, fn);
  }
  const stop = async () => {
    await Promise.all(functions.map((fn) => fn.stop()));
  };
  try {
    await Promise.all(functions.map((fn) => fn.ready));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    invoke(functionArnOrName, payload) {
      const fn = byKey.get(functionArnOrName);
      if (!fn)
        return Promise.reject(
          namedError("Lambda.ResourceNotFoundException", `Function not found: ${functionArnOrName}`),
        );
      return fn.invoke(payload);
    },
    stop,
  };
}
