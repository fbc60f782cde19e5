/** The SSM client (iam channel automations), once per container. */
import { SSMClient } from "@aws-sdk/client-ssm";
import { clientConfig, once } from "./aws-client-config";

export const ssmClient = once(() => new SSMClient(clientConfig));
