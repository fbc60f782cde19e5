/**
 * SSM Automation calls of the iam channel: start an approval automation (tagged with its stack,
 * so each role's permissions reach only its own stack's automations), read one, stop one.
 * A thin adapter over the SDK client; the decisions about what to start, record or stop live in
 * the handlers. Stopping is idempotent: an automation that already ended (or never existed) is
 * exactly what the caller wants, so those errors are swallowed.
 */
import {
  GetAutomationExecutionCommand,
  StartAutomationExecutionCommand,
  StopAutomationExecutionCommand,
  type AutomationExecution,
  type GetAutomationExecutionCommandOutput,
  type StartAutomationExecutionCommandOutput,
} from "@aws-sdk/client-ssm";

export type AutomationCommand =
  StartAutomationExecutionCommand | GetAutomationExecutionCommand | StopAutomationExecutionCommand;

/** The part of SSMClient used here, so tests can pass a fake. */
export interface AutomationClient {
  send(command: AutomationCommand): Promise<unknown>;
}

export type StopResult = "stopped" | "alreadyEnded";

export interface Automations {
  /** Starts the document with these parameters and tags; returns the automation execution id. */
  start(documentName: string, parameters: Record<string, string[]>, tags: Record<string, string>): Promise<string>;
  /** The execution, or undefined when SSM does not know it. */
  get(automationExecutionId: string): Promise<AutomationExecution | undefined>;
  stop(automationExecutionId: string): Promise<StopResult>;
}

/** SSM's answer for an execution id it does not know. */
export const EXECUTION_NOT_FOUND = "AutomationExecutionNotFoundException";
/** SSM's answer for stopping an execution that is no longer running. */
const NOT_RUNNING = "InvalidAutomationStatusUpdateException";

const errorName = (error: unknown) => (error instanceof Error ? error.name : undefined);

export function ssmAutomations(client: AutomationClient): Automations {
  return {
    async start(documentName, parameters, tags) {
      const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
      const out = (await client.send(
        new StartAutomationExecutionCommand({ DocumentName: documentName, Parameters: parameters, Tags }),
      )) as StartAutomationExecutionCommandOutput;
      if (!out.AutomationExecutionId)
        throw new Error(`StartAutomationExecution of ${documentName} returned no execution id`);
      return out.AutomationExecutionId;
    },

    async get(automationExecutionId) {
      try {
        const out = (await client.send(
          new GetAutomationExecutionCommand({ AutomationExecutionId: automationExecutionId }),
        )) as GetAutomationExecutionCommandOutput;
        return out.AutomationExecution;
      } catch (error) {
        if (errorName(error) === EXECUTION_NOT_FOUND) return undefined;
        throw error;
      }
    },

    async stop(automationExecutionId) {
      try {
        await client.send(
          new StopAutomationExecutionCommand({ AutomationExecutionId: automationExecutionId, Type: "Cancel" }),
        );
        return "stopped";
      } catch (error) {
        const name = errorName(error);
        if (name === NOT_RUNNING || name === EXECUTION_NOT_FOUND) return "alreadyEnded";
        throw error;
      }
    },
  };
}
