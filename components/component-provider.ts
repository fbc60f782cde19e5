/**
 * How this package is served to other Pulumi languages: the options of the component provider
 * that provider.ts hosts (PulumiPlugin.yaml) and the tests introspect. `pulumi package add`
 * starts that provider, asks it for its schema (Pulumi's analyzer reads lib.ts, the
 * ApprovalWorkflowArgs interface and the doc comments) and generates an SDK from it; a program in
 * that language then creates ApprovalWorkflow through the provider's `construct`.
 * https://www.pulumi.com/docs/iac/guides/building-extending/packages/source-based-plugin/
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { ComponentProviderOptions } from "@pulumi/pulumi/provider/experimental";
import { ApprovalWorkflow } from "./approval-workflow";
import { PACKAGE_DIR } from "./lambda-bundle";

/**
 * The package's folder: package.json, tsconfig.json, lib.ts, lambdas/. Pulumi's analyzer reads
 * the TypeScript source from here: it takes the entry from package.json `exports`, else `main`,
 * with `.js` replaced by `.ts` (@pulumi/pulumi provider/experimental/analyzer.js,
 * findProgramEntryPoint). `exports` names the build, dist/lib.js, and there is no dist/lib.ts, so
 * `main` names lib.ts for it; Node.js and TypeScript go by `exports` and `types`, which take
 * precedence over `main` (tests/component-package-consumer.spec.ts runs the analyzer on an
 * installed copy).
 */
export const PACKAGE_ROOT = PACKAGE_DIR;

/**
 * The package name Pulumi knows this package by: package.json's `name`, as the nodejs plugin
 * runner derives it when it hosts a package's exported components itself (scope left out).
 */
export function packageName(root = PACKAGE_ROOT): string {
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { name?: string };
  if (manifest.name === undefined) throw new Error(`${root}/package.json has no name`);
  return manifest.name.replace(/^@[^/]+\//, "").replace(/[^-a-zA-Z0-9_]/g, "-");
}

export function componentProviderOptions(): ComponentProviderOptions {
  return { name: packageName(), components: [ApprovalWorkflow], dirname: PACKAGE_ROOT };
}
