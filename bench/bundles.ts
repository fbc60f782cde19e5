/**
 * Cold start proxy for each Lambda of the topology (every channel's functions included): its
 * bundle built twice by components/lambda-bundle.ts, as deployed (the AWS SDK clients it uses
 * bundled, tree-shaken and minified) and as this project deployed it before (the SDK left to the
 * Lambda runtime), with each one's size, its deflated size (what the zip holds) and the time a
 * fresh Node process takes to `require` it, median of several processes. The loads are
 * interleaved (round after round over every handler and both builds) so that a burst of load on
 * this machine hits both alike.
 *
 * The deployed bundle is loaded from an empty directory with no NODE_PATH, so it loads only if it
 * needs nothing outside itself; the runtime-SDK build gets this repository's node_modules on
 * NODE_PATH, as the Lambda runtime puts its own SDK on NODE_PATH.
 *
 * Also checked from esbuild's metafile: which SDK client packages each deployed bundle holds,
 * against the clients its handler uses (SDK_CLIENTS_USED): a handler must not pull in another's.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { deflateRawSync } from "node:zlib";
import { CHANNELS } from "../channels/registry";
import { buildHandlerBundle, type SdkPlacement } from "../components/lambda-bundle";
import { functionTopology } from "../core/topology";
import { median } from "./stats";

const DYNAMODB = ["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb"];
const SFN = "@aws-sdk/client-sfn";
const SNS = "@aws-sdk/client-sns";
const SSM = "@aws-sdk/client-ssm";
const LAMBDA = "@aws-sdk/client-lambda";
const BEDROCK_RUNTIME = "@aws-sdk/client-bedrock-runtime";
const EVENTBRIDGE = "@aws-sdk/client-eventbridge";

/**
 * The SDK clients each handler calls (lambdas/adapters/*-client.ts), and why. Every handler reads
 * or writes the request store, but the shipped Bedrock reviewer.
 */
export const SDK_CLIENTS_USED: Readonly<Record<string, readonly string[]>> = {
  "open-request": DYNAMODB,
  "record-expiry": DYNAMODB,
  // Closing stops the SSM automation of a pending iam ask (channels/iam/release.ts), then sends the
  // Approval Decided event (EventBridge) and, with a requester topic, the outcome (SNS).
  "close-request": [...DYNAMODB, SSM, EVENTBRIDGE, SNS],
  // Checks the approver's subscription and publishes the email.
  "notify-approver": [...DYNAMODB, SNS],
  // Answers the waiting task; with sign-in, reads the client secret and the session key (SSM parameters).
  "approval-page": [...DYNAMODB, SFN, SSM],
  "ssm-start": [...DYNAMODB, SSM],
  // Reads the automation, answers the waiting task.
  "ssm-result": [...DYNAMODB, SFN, SSM],
  // Invokes the reviewer function and records its answer.
  "automated-review": [...DYNAMODB, LAMBDA],
  // The shipped reviewer: Converse only, no store.
  "bedrock-reviewer": [BEDROCK_RUNTIME],
};

/** A service client (or its document layer): what a handler chooses to import, unlike the SDK's shared parts. */
const isClientPackage = (name: string) => /^@aws-sdk\/(client|lib)-/.test(name);

export interface BundleFigures {
  bytes: number;
  /** Deflated, as the zip archive stores it. */
  zippedBytes: number;
  /** Median time to `require` the bundle in a fresh Node process (ms). */
  loadMs: number;
}

export interface HandlerBundles {
  handler: string;
  /** As deployed: the SDK clients the handler uses bundled. */
  deployed: BundleFigures;
  /** As deployed before: the SDK left to the Lambda runtime. */
  runtimeSdk: BundleFigures;
  /** @aws-sdk/* packages in the deployed bundle (clients and their shared parts, e.g. the credential chain). */
  sdkPackages: string[];
  /** The service client packages in the deployed bundle. */
  clients: string[];
  /** Client packages bundled that the handler does not use (must be none). */
  unexpectedClients: string[];
  /** Client packages the handler uses that are missing (must be none); every client listed when the handler has no entry. */
  missingClients: string[];
  loads: number;
}

/** The @aws-sdk/* packages among a bundle's inputs (a nested node_modules counts as its innermost package). */
export function sdkPackagesIn(inputs: readonly string[]): string[] {
  const packages = new Set<string>();
  for (const input of inputs) {
    const matches = [...input.matchAll(/node_modules\/(@aws-sdk\/[^/]+)/g)];
    if (matches.length > 0) packages.add(matches[matches.length - 1][1]);
  }
  return [...packages].sort();
}

/** The service clients in a bundle against those its handler uses. */
export function clientCheck(
  handler: string,
  inputs: readonly string[],
): Pick<HandlerBundles, "clients" | "unexpectedClients" | "missingClients"> {
  const clients = sdkPackagesIn(inputs).filter(isClientPackage);
  const used = SDK_CLIENTS_USED[handler];
  if (used === undefined)
    return { clients, unexpectedClients: clients, missingClients: ["(no entry in SDK_CLIENTS_USED)"] };
  return {
    clients,
    unexpectedClients: clients.filter((name) => !used.includes(name)),
    missingClients: used.filter((name) => !clients.includes(name)),
  };
}

/** Every handler the program can deploy: the lifecycle's and every channel's, each entry once. */
export function deployedHandlers(): string[] {
  const topology = functionTopology(CHANNELS.flatMap((channel) => channel.functions));
  return [...new Set(topology.map((fn) => fn.entry))].sort();
}

// Runs in the fresh process: time only the require, not Node's own start-up; the handler must be there.
const LOAD_AND_TIME =
  "const t = process.hrtime.bigint(); const m = require(process.argv[1]); const ms = Number(process.hrtime.bigint() - t) / 1e6; " +
  'if (typeof m.handler !== "function") throw new Error("no handler export"); process.stdout.write(String(ms));';

const BUILDS: readonly SdkPlacement[] = ["bundled", "runtime"];

export function measureBundles(loads: number): HandlerBundles[] {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-bundles-"));
  const nodeModules = path.join(__dirname, "..", "node_modules");
  // Plain Node processes: no tsx loader or other options inherited from this one.
  const base = { PATH: process.env.PATH ?? "", NODE_OPTIONS: "", NODE_NO_WARNINGS: "1" };
  const envOf: Record<SdkPlacement, NodeJS.ProcessEnv> = {
    bundled: base,
    runtime: { ...base, NODE_PATH: nodeModules },
  };
  try {
    const handlers = deployedHandlers().map((handler) => {
      const builds = Object.fromEntries(
        BUILDS.map((sdk) => {
          const bundle = buildHandlerBundle(handler, sdk);
          const file = path.join(dir, `${handler}.${sdk}.js`);
          writeFileSync(file, bundle.code);
          return [sdk, { bundle, file, times: [] as number[] }];
        }),
      ) as Record<SdkPlacement, { bundle: ReturnType<typeof buildHandlerBundle>; file: string; times: number[] }>;
      return { handler, builds };
    });
    for (let round = 0; round < loads; round++) {
      for (const { builds } of handlers) {
        for (const sdk of BUILDS) {
          const output = execFileSync(process.execPath, ["-e", LOAD_AND_TIME, builds[sdk].file], {
            cwd: dir,
            env: envOf[sdk],
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
          });
          builds[sdk].times.push(Number(output));
        }
      }
    }
    return handlers.map(({ handler, builds }) => {
      const figures = (sdk: SdkPlacement): BundleFigures => {
        const code = Buffer.from(builds[sdk].bundle.code, "utf8");
        return { bytes: code.length, zippedBytes: deflateRawSync(code).length, loadMs: median(builds[sdk].times) };
      };
      return {
        handler,
        deployed: figures("bundled"),
        runtimeSdk: figures("runtime"),
        sdkPackages: sdkPackagesIn(builds.bundled.bundle.inputs),
        ...clientCheck(handler, builds.bundled.bundle.inputs),
        loads,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
