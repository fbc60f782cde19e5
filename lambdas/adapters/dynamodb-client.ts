/** The DynamoDB document client, once per container. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { clientConfig, once } from "./aws-client-config";

export const documentClient = once(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig), {
    // Optional fields (comment, details, ...) are left out of items rather than rejected.
    marshallOptions: { removeUndefinedValues: true },
  }),
);
