/** The Lambda client (automated channel: invoking reviewer functions), once per container. */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { clientConfig, once } from "./aws-client-config";

export const lambdaClient = once(() => new LambdaClient(clientConfig));
