/**
 * The component provider that PulumiPlugin.yaml runs: it serves ApprovalWorkflow to Pulumi
 * programs in any language (Python, Go, YAML, C#, Java, TypeScript through a generated SDK).
 * Started by the Pulumi CLI, never imported: it listens for the engine until the CLI stops it.
 */
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { componentProviderOptions } from "./components/component-provider";

void componentProviderHost(componentProviderOptions());
