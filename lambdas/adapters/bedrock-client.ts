/** The Bedrock Runtime client (the shipped Bedrock reviewer's Converse calls), once per container. */
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { clientConfig, once } from "./aws-client-config";

export const bedrockClient = once(() => new BedrockRuntimeClient(clientConfig));
