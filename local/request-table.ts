/**
 * The request store, locally: dynalite (a DynamoDB-compatible server, in memory) on loopback,
 * with the table created from the program's own key schema (lambdas/adapters/table-schema.ts).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { requestTableDefinition } from "../lambdas/adapters/table-schema";
import { closeServer, listenOnLoopback, loopbackUrl } from "./loopback";

// dynalite ships no type declarations, so it is required with the one signature used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite: (options: Record<string, unknown>) => Server = require("dynalite");

export interface RequestTable {
  endpoint: string;
  tableName: string;
  /** A document client for the sandbox's own reads, configured like the handlers'. */
  documents: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

/** How long stopping waits for requests dynalite is still working on (it answers each in milliseconds). */
const DRAIN_MS = 5000;

/**
 * Counts the requests dynalite is working on, from its handler's start to its answer. dynalite
 * keeps working on a request whose client went away (a stopped function's), and throws from its
 * callback, out of this process, when the database closes under it ("Database is closed"); so
 * the store closes only once nothing is in flight.
 */
function trackRequests(server: Server): { drained(limitMs: number): Promise<void> } {
  const [handler] = server.listeners("request") as ((req: IncomingMessage, res: ServerResponse) => void)[];
  let inFlight = 0;
  let onIdle: (() => void) | undefined;
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (--inFlight === 0) onIdle?.();
    };
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      finish();
      return end(...args);
    }) as ServerResponse["end"];
    // A client that went away before its request was whole leaves dynalite nothing to work on.
    res.on("close", () => {
      if (!req.complete) finish();
    });
    handler(req, res);
  });
  return {
    drained: (limitMs) =>
      inFlight === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, limitMs);
            onIdle = () => {
              clearTimeout(timer);
              resolve();
            };
          }),
  };
}

export async function startRequestTable(options: {
  tableName: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}): Promise<RequestTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const requests = trackRequests(server);
  const endpoint = loopbackUrl(await listenOnLoopback(server));
  const client = new DynamoDBClient({ endpoint, region: options.region, credentials: options.credentials });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const stop = async () => {
    client.destroy();
    await requests.drained(DRAIN_MS);
    await closeServer(server);
  };
  try {
    await client.send(new CreateTableCommand(requestTableDefinition(options.tableName)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, tableName: options.tableName, documents, stop };
}
