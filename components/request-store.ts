/**
 * The request store: one DynamoDB table (on demand, encrypted, point-in-time recovery, TTL).
 * Key schema and item shapes are in lambdas/shared/model.ts; the table here must match them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { TABLE_KEY, TTL_ATTRIBUTE } from "../core/model";
import type { Permission } from "./permissions";

export function createRequestTable(name: string, parent: pulumi.Resource): aws.dynamodb.Table {
  return new aws.dynamodb.Table(
    name,
    {
      billingMode: "PAY_PER_REQUEST",
      hashKey: TABLE_KEY,
      attributes: [{ name: TABLE_KEY, type: "S" }],
      ttl: { attributeName: TTL_ATTRIBUTE, enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
    },
    { parent },
  );
}

/** Item-level access to the request table, for the functions that need it. */
export function tableAccess(table: aws.dynamodb.Table, actions: readonly string[]): Permission {
  return { sid: "RequestStore", actions: actions.map((a) => `dynamodb:${a}`), resources: [table.arn] };
}
