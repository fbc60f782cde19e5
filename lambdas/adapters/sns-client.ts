/** The SNS client (approver notices), once per container. */
import { SNSClient } from "@aws-sdk/client-sns";
import { clientConfig, once } from "./aws-client-config";

export const snsClient = once(() => new SNSClient(clientConfig));
