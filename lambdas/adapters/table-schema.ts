/**
 * The request table's key schema as a CreateTable request, so the sandbox and the tests create
 * exactly the table the Pulumi component declares (components/request-store.ts uses the same
 * constants). TTL is a separate API call (UpdateTimeToLive) and is not needed locally.
 */
import { TABLE_KEY, TTL_ATTRIBUTE } from "../../core/model";

export const REQUEST_TABLE_TTL_ATTRIBUTE = TTL_ATTRIBUTE;

export function requestTableDefinition(tableName: string) {
  return {
    TableName: tableName,
    KeySchema: [{ AttributeName: TABLE_KEY, KeyType: "HASH" as const }],
    AttributeDefinitions: [{ AttributeName: TABLE_KEY, AttributeType: "S" as const }],
    BillingMode: "PAY_PER_REQUEST" as const,
  };
}
