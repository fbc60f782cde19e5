/**
 * Bundles one Lambda handler (lambdas/<name>/index.ts) with esbuild into a Pulumi asset.
 *
 * The AWS SDK v3 is left to the Node.js runtime (it ships with nodejs22.x and later), which keeps
 * every bundle small and cold starts short. Bundles are built once per process and cached, so
 * evaluating the program several times (tests, benchmarks) does not rebuild them.
 */
import * as path from "node:path";
import * as esbuild from "esbuild";
import * as pulumi from "@pulumi/pulumi";

export const LAMBDAS_DIR = path.join(__dirname, "..", "lambdas");

const cache = new Map<string, string>();

/** The bundled JavaScript of a handler, built with the same options as the deployed code. */
export function bundleHandlerCode(handlerName: string): string {
  const cached = cache.get(handlerName);
  if (cached !== undefined) return cached;
  const result = esbuild.buildSync({
    entryPoints: [path.join(LAMBDAS_DIR, handlerName, "index.ts")],
    bundle: true,
    write: false,
    platform: "node",
    target: "node22",
    format: "cjs",
    external: ["@aws-sdk/*"],
    legalComments: "none",
    logLevel: "silent",
  });
  const code = result.outputFiles[0].text;
  cache.set(handlerName, code);
  return code;
}

/** The handler as a Lambda deployment package: a zip archive with index.js. */
export function lambdaArchive(handlerName: string): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleHandlerCode(handlerName)) });
}
