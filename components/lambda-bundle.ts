/**
 * Bundles one Lambda handler (lambdas/<name>/index.ts) with esbuild into a Pulumi asset.
 *
 * The AWS SDK clients a handler uses are bundled with it, not taken from the Lambda runtime.
 * AWS's own advice: "Control the dependencies in your function's deployment package. The AWS
 * Lambda execution environment contains a number of libraries such as the AWS SDK for the
 * Node.js and Python runtimes… Lambda will periodically update these libraries. These updates may
 * introduce subtle changes… To have full control of the dependencies your function uses, we
 * recommend packaging all of your dependencies with your deployment package."
 * https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html
 * So the SDK version that the tests and the sandbox run (package-lock.json) is the one deployed.
 *
 * Each handler bundles only its own clients: they are split per service in
 * lambdas/adapters/*-client.ts, and esbuild keeps only what the handler's imports reach.
 * `mainFields: ["module", "main"]` makes esbuild read the SDK's ES module build (dist-es), which it
 * can tree-shake, instead of the CommonJS one (half as large again; the workaround the SDK team
 * gives in https://github.com/aws/aws-sdk-js-v3/issues/3023, and the CDK's advice for its
 * `mainFields` bundling option). Syntax and whitespace are minified; identifiers are not, so
 * function names stay readable in stack traces. bench/README.md has the measured sizes and load
 * times against the SDK left to the runtime (`sdk: "runtime"`, the build this project used before).
 *
 * Bundles are built once per process and cached, so evaluating the program several times (tests,
 * benchmarks) does not rebuild them.
 *
 * Paths come from this file, never from process.cwd(): a program that uses the package runs in
 * its own folder (tests/component-package-consumer.spec.ts). The handlers are this package's
 * lambdas/*, built with this package's folder as esbuild's working directory (and tsconfig), and
 * esbuild resolves each import from the folder of the file that imports it, walking up through
 * node_modules after following symlinks to the real path (preserveSymlinks off): the SDK clients
 * and zod come from the package's node_modules, or from the consumer's node_modules where npm
 * hoisted the package's dependencies. No nodePaths fallback is set, so nothing is taken from
 * NODE_PATH or a folder the package does not depend on.
 * https://esbuild.github.io/api/#working-directory https://esbuild.github.io/api/#preserve-symlinks
 * https://esbuild.github.io/api/#node-paths
 */
import * as path from "node:path";
import * as esbuild from "esbuild";
import * as pulumi from "@pulumi/pulumi";

/** The package's folder (package.json, tsconfig.json, lambdas/), wherever the program that uses it runs. */
const PACKAGE_DIR = path.join(__dirname, "..");

export const LAMBDAS_DIR = path.join(PACKAGE_DIR, "lambdas");

/**
 * Where a bundle gets the AWS SDK: `bundled` inside it (deployed), or `runtime`: left to the one
 * the Lambda runtime ships (external), built exactly as before, for comparison in the bench.
 */
export type SdkPlacement = "bundled" | "runtime";

/** The runtime of components/approval-function.ts (nodejs24.x): nothing it runs natively is rewritten. */
const TARGET = "node24";

const COMMON: esbuild.BuildOptions = {
  bundle: true,
  write: false,
  platform: "node",
  format: "cjs",
  logLevel: "silent",
  metafile: true,
};

const OPTIONS: Record<SdkPlacement, esbuild.BuildOptions> = {
  bundled: {
    ...COMMON,
    target: TARGET,
    mainFields: ["module", "main"],
    minifySyntax: true,
    minifyWhitespace: true,
    // License comments of bundled packages kept at the end of the file (the SDK has none today).
    legalComments: "eof",
  },
  // The build this project deployed before: the SDK external, nothing minified.
  runtime: { ...COMMON, target: "node22", external: ["@aws-sdk/*"], legalComments: "none" },
};

export interface HandlerBundle {
  code: string;
  /** Every file esbuild put into the bundle, relative to the repository root (node_modules/... for packages). */
  inputs: string[];
}

const cache = new Map<string, HandlerBundle>();

/** A handler's bundle with the deployed options (or, for comparison, the SDK left to the runtime). */
export function buildHandlerBundle(handlerName: string, sdk: SdkPlacement = "bundled"): HandlerBundle {
  const key = `${sdk}:${handlerName}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const result = esbuild.buildSync({
    ...OPTIONS[sdk],
    entryPoints: [path.join(LAMBDAS_DIR, handlerName, "index.ts")],
    absWorkingDir: PACKAGE_DIR,
    preserveSymlinks: false,
  });
  const bundle = { code: result.outputFiles![0].text, inputs: Object.keys(result.metafile!.inputs) };
  cache.set(key, bundle);
  return bundle;
}

/** The bundled JavaScript of a handler, built with the same options as the deployed code. */
export function bundleHandlerCode(handlerName: string): string {
  return buildHandlerBundle(handlerName).code;
}

/** The handler as a Lambda deployment package: a zip archive with index.js. */
export function lambdaArchive(handlerName: string): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleHandlerCode(handlerName)) });
}
