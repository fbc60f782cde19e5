/**
 * AWS SDK v3 clients, created once per Lambda container (on first use, then reused across
 * invocations). Region, credentials and endpoints come from the environment, as the SDK reads
 * them. To add a client: one more `once(() => new XClient({}))` line.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";

function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}

export const documentClient = once(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    // Optional fields (comment, details, ...) are left out of items rather than rejected.
    marshallOptions: { removeUndefinedValues: true },
  }),
);
export const sfnClient = once(() => new SFNClient({}));
export const snsClient = once(() => new SNSClient({}));
export const ssmClient = once(() => new SSMClient({}));
