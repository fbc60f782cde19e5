/**
 * The request store, locally: dynalite (a DynamoDB-compatible server, in memory) on loopback,
 * with the table created from the program's own key schema (lambdas/adapters/table-schema.ts).
 */
import type { Server } from "node:http";
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

export async function startRequestTable(options: {
  tableName: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}): Promise<RequestTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = loopbackUrl(await listenOnLoopback(server));
  const client = new DynamoDBClient({ endpoint, region: options.region, credentials: options.credentials });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const stop = async () => {
    client.destroy();
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
