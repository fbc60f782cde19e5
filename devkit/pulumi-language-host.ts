/**
 * Runs a Pulumi TypeScript project the way `pulumi up` runs it, under Pulumi mocks, so a test can
 * check what the CLI would load, not only what tsx loads:
 *  - in a plain `node` child process (no tsx, no mocha), with the project folder as cwd;
 *  - the program chosen as the CLI chooses it: Pulumi.yaml `main` that is a file runs that file
 *    (the CLI passes its folder as pwd and its base name as the program), a folder runs that
 *    folder, none runs the project folder, where the nodejs runtime reads package.json
 *    `exports`, then `main` (the CLI's getPwdMain in pulumi/pulumi pkg/engine; @pulumi/pulumi
 *    cmd/run/run.js);
 *  - through @pulumi/pulumi's own `cmd/run/run.js` `run()` (what the language host's entry,
 *    cmd/run/index.js, calls once it has parsed the CLI's flags), which loads TypeScript with the project's
 *    `typescript` and the ts-node 7.0.1 it vendors, type-checked unless the tsconfig says
 *    `noCheck`, and requires the program inside the root Stack;
 *  - with the stack config in PULUMI_CONFIG, as the language host passes it.
 * https://www.pulumi.com/docs/iac/concepts/projects/project-file/
 */
import { spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { stackMocks, type RegisteredResource } from "./program-under-mocks";

export interface HostedRun {
  /** The program the runtime was asked to run, as the CLI passes it ("." for the project folder). */
  program: string;
  /** Every resource the program registered, with the state stackMocks gave it. */
  resources: RegisteredResource[];
  outputs: Record<string, unknown>;
}

export interface HostOptions {
  /** The folder with Pulumi.yaml (and package.json, node_modules). */
  projectDir: string;
  stack?: string;
  /** Full config keys (`aws:region`, `parallel-approval:approvers`), values as the CLI passes them. */
  config: Record<string, unknown>;
  /** Milliseconds before the child is killed (a type-checked load of a whole program takes a while). */
  timeoutMs?: number;
}

/** pwd and program for Pulumi.yaml's `main`, as the CLI computes them. */
export function programOf(projectDir: string): { pwd: string; program: string; typescript: boolean } {
  const project = parse(readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as {
    main?: string;
    runtime: string | { name: string; options?: { typescript?: boolean } };
  };
  const typescript = typeof project.runtime === "string" || project.runtime.options?.typescript !== false;
  if (project.main === undefined) return { pwd: projectDir, program: ".", typescript };
  const main = path.join(projectDir, project.main);
  if (!main.startsWith(projectDir)) throw new Error("project 'main' must be a subfolder");
  return statSync(main).isDirectory()
    ? { pwd: main, program: ".", typescript }
    : { pwd: path.dirname(main), program: path.basename(main), typescript };
}

/**
 * The child: Pulumi mocks that forward every registration (its inputs with asset contents
 * resolved) and data-source call to the parent (which answers with stackMocks, as
 * evaluateProgram does), then run() on the program, then the
 * stack outputs once registrations settle. Plain CommonJS, resolved from the project's node_modules.
 */
const CHILD = `
const Module = require("node:module");
// cmd/run/index.js is what the language host starts: it parses the CLI's flags (a monitor address
// among them) and calls run(). The child stands in for it, so run.js gets a stand-in of it too.
const indexPath = require.resolve("@pulumi/pulumi/cmd/run/index.js");
const stand = new Module(indexPath);
stand.filename = indexPath;
stand.loaded = true;
stand.exports = { nodeJSProcessExitedAfterLoggingUserActionableMessage: 32 };
require.cache[indexPath] = stand;
const pulumi = require("@pulumi/pulumi");
const { run } = require("@pulumi/pulumi/cmd/run/run");
const pending = new Map();
let next = 0;
let registered = 0;
const ask = (kind, args) =>
  new Promise((resolve) => {
    const id = next++;
    pending.set(id, resolve);
    process.send({ id, kind, args });
  });
process.on("message", ({ id, result }) => {
  pending.get(id)(result);
  pending.delete(id);
});
const fail = (error) => {
  process.send({ error: String((error && error.stack) || error) }, () => process.exit(1));
};
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
// Assets arrive with their contents as promises (an archive's assets, a StringAsset's text):
// resolved here, so the parent sees e.g. the bundled code of every Lambda.
const settled = async (value) => {
  value = await value;
  if (Array.isArray(value)) return Promise.all(value.map(settled));
  if (value === null || typeof value !== "object") return value;
  const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await settled(v)]));
  return Object.fromEntries(entries);
};
const mocks = {
  newResource: async (args) => {
    registered += 1;
    return ask("newResource", { type: args.type, name: args.name, inputs: await settled(args.inputs) });
  },
  call: (args) => ask("call", { token: args.token, inputs: args.inputs }),
};
pulumi.runtime
  .setMocks(mocks, process.env.HOSTED_PROJECT, process.env.HOSTED_STACK, false)
  .then(() => run({ _: [process.env.HOSTED_PROGRAM], pwd: process.env.HOSTED_PWD }, () => {}, () => {}, () => false))
  .then(async (outputs) => {
    for (let last = -1, stable = 0; stable < 5; ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      stable = registered === last && pending.size === 0 ? stable + 1 : 0;
      last = registered;
    }
    process.send({ outputs: outputs || {} }, () => process.exit(0));
  }, fail);
`;

/** Runs the project's program as `pulumi up` would; rejects with what the program threw or logged. */
export function runLikePulumiUp(options: HostOptions): Promise<HostedRun> {
  const { pwd, program, typescript } = programOf(options.projectDir);
  const project = (parse(readFileSync(path.join(options.projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
  const config = Object.fromEntries(
    Object.entries(options.config).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
  const child = spawn(process.execPath, ["-e", CHILD], {
    cwd: options.projectDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PULUMI_CONFIG: JSON.stringify(config),
      PULUMI_NODEJS_TYPESCRIPT: String(typescript),
      HOSTED_PROJECT: project,
      HOSTED_STACK: options.stack ?? "dev",
      HOSTED_PROGRAM: program,
      HOSTED_PWD: pwd,
    },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    timeout: options.timeoutMs ?? 240_000,
  });
  const resources: RegisteredResource[] = [];
  const mocks = stackMocks(resources);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.resume();
  return new Promise((resolve, reject) => {
    let outcome: { outputs: Record<string, unknown> } | { error: string } | undefined;
    child.on("message", async (message: any) => {
      if ("outputs" in message || "error" in message) {
        outcome = message;
        return;
      }
      const result =
        message.kind === "newResource" ? await mocks.newResource(message.args) : await mocks.call(message.args);
      child.send({ id: message.id, result });
    });
    child.on("exit", (code, signal) => {
      if (outcome !== undefined && "outputs" in outcome && code === 0)
        resolve({ program, resources, outputs: outcome.outputs });
      else {
        const why = outcome !== undefined && "error" in outcome ? outcome.error : `exit ${code ?? signal}`;
        reject(new Error(`${program} did not run as pulumi up runs it: ${why}\n${stderr}`));
      }
    });
  });
}
