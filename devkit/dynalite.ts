/**
 * A local DynamoDB (dynalite, in memory) with the request table, for tests, the sandbox and the
 * benchmark. `startDynalite()` listens on a free loopback port, creates the table from
 * lambdas/adapters/table-schema.ts and, unless told not to, points the environment at it
 * (`AWS_ENDPOINT_URL_DYNAMODB`, `TABLE_NAME`, a region and dummy credentials) so the real
 * handlers run unchanged. `stop()` restores the environment and closes the server.
 */
import type { Server } from "node:http";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { requestTableDefinition } from "../lambdas/adapters/table-schema";
import { ENV } from "../core/environment";
import type { RequestStore } from "../core/ports";
import { requestStoreFromEnv } from "../lambdas/adapters/store";
import { LOCAL_CREDENTIALS, LOCAL_REGION, closeServer, listenOnLoopback, localAwsEnv, setEnv } from "./loopback";

// dynalite ships no type declarations.
const dynalite: (options: Record<string, unknown>) => Server = require("dynalite");

export interface LocalTable {
  endpoint: string;
  tableName: string;
  stop(): Promise<void>;
}

let tableSerial = 0;

export async function startDynalite(options: { setEnv?: boolean } = {}): Promise<LocalTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = await listenOnLoopback(server, "dynamodb");
  const tableName = `requests-${++tableSerial}`;

  const admin = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await admin.send(new CreateTableCommand(requestTableDefinition(tableName)));
  } catch (error) {
    await closeServer(server);
    throw error;
  } finally {
    admin.destroy();
  }

  const restoreEnv =
    options.setEnv === false
      ? () => undefined
      : setEnv({ ...localAwsEnv(), AWS_ENDPOINT_URL_DYNAMODB: endpoint, [ENV.tableName]: tableName });
  return {
    endpoint,
    tableName,
    stop: async () => {
      restoreEnv();
      await closeServer(server);
    },
  };
}

/** A document client bound to this table's endpoint, configured like the handlers' (call `.destroy()` when done). */
export function localDocumentClient(table: LocalTable): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: table.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
}

/**
 * Mocha hooks for the enclosing describe block: dynalite with the request table for the whole
 * block, the environment pointed at it, handler logs silenced, and a store built from that
 * environment the way the handlers build theirs. `onReady` receives them before the first test.
 */
export function useLocalRequestStore(onReady: (local: { table: LocalTable; store: RequestStore }) => void): void {
  let table: LocalTable;
  let restoreEnv: () => void;
  before(async () => {
    table = await startDynalite();
    restoreEnv = setEnv({ LOG_LEVEL: "silent" });
    onReady({ table, store: requestStoreFromEnv() });
  });
  after(async () => {
    restoreEnv();
    await table.stop();
  });
}
