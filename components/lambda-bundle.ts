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
 * Paths come from the package's folder (found from this file, see packageRootOf), never from
 * process.cwd(): a program that uses the package runs in its own folder (tests/component-package-consumer.spec.ts). The handlers are this package's
 * lambdas/*, built with this package's folder as esbuild's working directory (and tsconfig), and
 * esbuild resolves each import from the folder of the file that imports it, walking up through
 * node_modules after following symlinks to the real path (preserveSymlinks off): the SDK clients
 * and zod come from the package's node_modules, or from the consumer's node_modules where npm
 * hoisted the package's dependencies. No nodePaths fallback is set, so nothing is taken from
 * NODE_PATH or a folder the package does not depend on.
 * https://esbuild.github.io/api/#working-directory https://esbuild.github.io/api/#preserve-symlinks
 * https://esbuild.github.io/api/#node-paths
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import * as pulumi from "@pulumi/pulumi";

/** package.json `name` of this package: what tells its folder from a consumer's or a parent project's. */
export const PACKAGE_NAME = "parallel-approval";

/**
 * The nearest folder at or above `start` whose package.json is this package's. This file runs
 * from components/ (the source: this repository, a linked install, `pulumi package add`) and from
 * dist/components/ (the build an npm install from git or a tarball loads), so a fixed `..` would
 * be wrong for one of them; the package's own package.json marks its root in both.
 */
export function packageRootOf(start: string, name = PACKAGE_NAME): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const manifestPath = path.join(dir, "package.json");
    if (existsSync(manifestPath) && manifestName(manifestPath) === name) return dir;
    if (path.dirname(dir) === dir) {
      throw new Error(`No package.json with "name": "${name}" in ${start} or any folder above it`);
    }
  }
}

function manifestName(manifestPath: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifestPath, "utf8")) as { name?: unknown }).name;
  } catch (error) {
    throw new Error(`${manifestPath} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** The package's folder (package.json, tsconfig.json, lambdas/), wherever the program that uses it runs. */
export const PACKAGE_DIR = packageRootOf(__dirname);

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
    // Named, not discovered: esbuild ignores every tsconfig.json inside node_modules, so a copied
    // install (node_modules/parallel-approval) would bundle its handlers without the package's
    // settings (no "use strict" from `strict`). Named, it applies to every file of the bundle,
    // the SDK's ES modules included, which are strict anyway: the same code wherever the package
    // lies. https://esbuild.github.io/api/#tsconfig https://github.com/evanw/esbuild/issues/2513
    tsconfig: path.join(PACKAGE_DIR, "tsconfig.json"),
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
