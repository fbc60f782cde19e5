/** The Step Functions client (task callbacks), once per container. */
import { SFNClient } from "@aws-sdk/client-sfn";
import { clientConfig, once } from "./aws-client-config";

export const sfnClient = once(() => new SFNClient(clientConfig));
