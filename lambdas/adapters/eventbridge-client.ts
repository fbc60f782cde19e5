/** The EventBridge client (the Approval Decided event), once per container. */
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { clientConfig, once } from "./aws-client-config";

export const eventBridgeClient = once(() => new EventBridgeClient(clientConfig));
