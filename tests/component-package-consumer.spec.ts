/**
 * The package from outside, loaded the way `pulumi up` loads a TypeScript program
 * (devkit/pulumi-language-host.ts: @pulumi/pulumi's cmd/run, its vendored ts-node, type-checked).
 * A consumer's TypeScript project in a temporary folder outside this repository imports
 * ApprovalWorkflow from "parallel-approval" and evaluates under mocks, with its own tsconfig
 * (Pulumi's TypeScript template) type-checking against the package's declarations and its own
 * folder as the working directory; every Lambda is bundled from the package, with the SDK clients
 * in it. The package is installed in the two ways npm installs it:
 *  - linked, as npm installs a `file:` folder dependency (a symlink in node_modules to this
 *    repository, whose dist/ the tarball's prepack build has just written);
 *  - copied, as npm installs a git or tarball dependency: node_modules/parallel-approval is the
 *    tarball `npm pack` makes (its `prepack` script builds dist/ with tsc; npm runs it for a git
 *    dependency too), extracted, with the package's dependencies beside it as npm hoists them
 *    (linked from this repository's node_modules rather than downloaded). Pulumi's loader does not
 *    compile TypeScript inside node_modules, so the copy runs dist/'s JavaScript, and the Lambda
 *    bundling finds the copy's own lambdas/ from dist/components/.
 *    https://docs.npmjs.com/cli/v11/using-npm/scripts (prepack: "Runs BEFORE a tarball is packed
 *    (on npm pack, npm publish, and when installing a git dependency)")
 * And this repository itself still runs index.ts as its stack program, although package.json's
 * main/exports name the library entry (Pulumi.yaml `main`).
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { CHANNELS } from "../channels/registry";
import { ApprovalWorkflow, APPROVAL_WORKFLOW_TYPE, type ApprovalStage } from "../components/approval-workflow";
import { componentProviderOptions } from "../components/component-provider";
import { buildHandlerBundle } from "../components/lambda-bundle";
import { functionTopology } from "../core/topology";
import { evaluateProgram, evaluateUnderMocks, REGION, type RegisteredResource } from "../devkit/program-under-mocks";
import { asProgramConfig, readProjectFile, readStackFile, withProjectDefaults } from "../devkit/pulumi-cli-config";
import { runLikePulumiUp, type HostedRun } from "../devkit/pulumi-language-host";

const REPO = path.join(__dirname, "..");

const STAGES: ApprovalStage[] = [
  {
    name: "owners",
    quorum: 1,
    approvers: [
      { name: "finance", email: "finance-lead@example.com" },
      { name: "security", email: "security@example.com", iamPrincipal: "arn:aws:iam::123456789012:role/Approver" },
    ],
  },
  { name: "change-board", approvalTimeout: "24h", approvers: [{ name: "cab", email: "cab@example.com" }] },
];

/** The consumer's program: nothing of this repository but the package's public entry. */
const CONSUMER_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { ApprovalWorkflow, type ApprovalStage } from "parallel-approval";

const stages: ApprovalStage[] = ${JSON.stringify(STAGES, null, 2)};

const approvals = new ApprovalWorkflow("approvals", { stages, logRetentionDays: 30 });

export const stateMachineArn = approvals.stateMachineArn;
export const approvalPage = pulumi.interpolate\`\${approvals.approvalPageUrl}\`;
export const topics = approvals.approverTopicArns;
`;

/** Pulumi's aws-typescript template tsconfig (https://github.com/pulumi/templates, aws-typescript/tsconfig.json). */
const TEMPLATE_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

const MANIFEST = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};

/** The package as `npm pack` makes it (prepack builds dist/ first), made once for every test here. */
interface Packed {
  tarball: string;
  /** Paths inside the package, as npm pack lists them. */
  files: string[];
}
let packed: Packed | undefined;
let packDir: string | undefined;

function packOnce(): Packed {
  if (packed !== undefined) return packed;
  packDir = mkdtempSync(path.join(tmpdir(), "approval-pack-"));
  // Scripts on whatever the user's npm config says: the build is the point.
  const result = spawnSync("npm", ["pack", "--json", "--ignore-scripts=false", "--pack-destination", packDir], {
    cwd: REPO,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`npm pack failed (${result.status ?? result.signal}):\n${result.stderr}`);
  const [report] = JSON.parse(result.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = { tarball: path.join(packDir, report.filename), files: report.files.map((file) => file.path) };
  return packed;
}

/** How the package gets into the consumer's node_modules, and what npm puts beside it. */
interface Install {
  label: string;
  /** The consumer's package.json dependency on the package. */
  dependency(consumer: string): string;
  place(consumer: string, target: string): void;
  /** Packages npm puts in the consumer's node_modules besides its own. */
  hoisted: string[];
}

const LINKED: Install = {
  label: "linked (a file: dependency, a symlink to this repository)",
  dependency: () => `file:${REPO}`,
  place: (_consumer, target) => {
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync(REPO, target, "dir");
  },
  hoisted: [],
};

const COPIED: Install = {
  label: "copied (from the npm pack tarball, as a git or tarball dependency is installed)",
  dependency: (consumer) => {
    const tarball = path.join(consumer, path.basename(packOnce().tarball));
    writeFileSync(tarball, readFileSync(packOnce().tarball));
    return `file:./${path.basename(tarball)}`;
  },
  place: (_consumer, target) => {
    mkdirSync(target, { recursive: true });
    const tar = spawnSync("tar", ["-xzf", packOnce().tarball, "-C", target, "--strip-components=1"], {
      encoding: "utf8",
    });
    if (tar.status !== 0) throw new Error(`tar could not extract ${packOnce().tarball}: ${tar.stderr}`);
  },
  hoisted: Object.keys(MANIFEST.dependencies),
};

/**
 * A consumer project: Pulumi.yaml, package.json depending on the package, the template's
 * tsconfig, and node_modules as npm leaves it: parallel-approval as `install` places it, the
 * package's dependencies where npm hoists them, and the consumer's own @pulumi/pulumi, typescript
 * and @types/node (the same versions, linked from this repository's node_modules).
 */
function consumerProject(install: Install): string {
  const dir = mkdtempSync(path.join(tmpdir(), "approval-consumer-"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: platform\nruntime: nodejs\n");
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name: "platform",
      main: "index.ts",
      dependencies: { "@pulumi/pulumi": "3.248.0", "parallel-approval": install.dependency(dir) },
      devDependencies: { typescript: "5.9.3", "@types/node": "20.19.43" },
    }),
  );
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(TEMPLATE_TSCONFIG));
  writeFileSync(path.join(dir, "index.ts"), CONSUMER_PROGRAM);
  install.place(dir, path.join(dir, "node_modules", "parallel-approval"));
  for (const dependency of new Set(["@pulumi/pulumi", "typescript", "@types/node", ...install.hoisted])) {
    const link = path.join(dir, "node_modules", dependency);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.join(REPO, "node_modules", dependency), link, "dir");
  }
  return dir;
}

/**
 * A bundle with the module names esbuild keeps (paths relative to the package folder, in
 * `__esm({"<path>"(){…}})` wrappers) cut at node_modules/: where the package folder lies relative
 * to the node_modules its dependencies are in differs between this repository and an install,
 * and nothing else may.
 */
const modulePathsFromNodeModules = (code: string) => code.replace(/"(?:[^"\n]*\/)?node_modules\//g, '"node_modules/');

const keysOf = (resources: RegisteredResource[]) => resources.map((r) => `${r.type} ${r.name}`).sort();
const definedOnly = (outputs: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined));

/** The topology entry of a workflow's function, from its resource name (`<workflow>-<key>`). */
function entryOf(workflow: string, functionName: string): string {
  const key = functionName.slice(workflow.length + 1);
  const spec = functionTopology(CHANNELS.flatMap((channel) => channel.functions)).find((fn) => fn.key === key);
  assert.ok(spec, `a function of the topology: ${functionName}`);
  return spec.entry;
}

describe("the package as npm installs it", () => {
  after(() => {
    if (packDir !== undefined) rmSync(packDir, { recursive: true, force: true });
  });

  for (const install of [LINKED, COPIED]) {
    describe(`the package installed ${install.label}, used from a TypeScript program outside this repository, loaded as pulumi up loads it`, function () {
      this.timeout(300_000);
      let consumer: string;
      let run: HostedRun;

      before(async () => {
        packOnce();
        consumer = consumerProject(install);
        assert.ok(!realpathSync(consumer).startsWith(realpathSync(REPO)), "the consumer is outside the repository");
        run = await runLikePulumiUp({ projectDir: consumer, config: { "aws:region": REGION } });
      });

      after(() => {
        if (consumer !== undefined) rmSync(consumer, { recursive: true, force: true });
      });

      it("imports ApprovalWorkflow from parallel-approval and creates the same workflow as the component in-process", async () => {
        assert.equal(run.program, ".", "the consumer's own entry (package.json main), as the CLI passes it");
        const inProcess = await evaluateUnderMocks(
          () => {
            const approvals = new ApprovalWorkflow("approvals", { stages: STAGES, logRetentionDays: 30 });
            return { stateMachineArn: approvals.stateMachineArn };
          },
          { project: "platform" },
        );
        assert.equal(inProcess.error, undefined);
        const registered = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
        assert.deepEqual(keysOf(registered), keysOf(inProcess.resources));
        assert.ok(registered.some((r) => r.type === APPROVAL_WORKFLOW_TYPE && r.name === "approvals"));
        assert.equal(run.outputs.stateMachineArn, inProcess.outputs.stateMachineArn);
        assert.deepEqual(Object.keys(run.outputs.topics as object).sort(), ["cab", "finance", "security"]);
      });

      it("bundles every Lambda from the package's handlers with the AWS SDK clients inside, as the repository itself does", () => {
        const functions = run.resources.filter((r) => r.type === "aws:lambda/function:Function");
        assert.ok(functions.length >= 7, `the lifecycle, link and iam functions (${functions.length})`);
        for (const fn of functions) {
          const code = fn.inputs.code as { assets?: Record<string, { text?: string }> };
          const text = code.assets?.["index.js"]?.text;
          assert.equal(typeof text, "string", `${fn.name}: a zip with index.js`);
          assert.equal(
            modulePathsFromNodeModules(text!),
            modulePathsFromNodeModules(buildHandlerBundle(entryOf("approvals", fn.name)).code),
            `${fn.name}: the deployed bundle`,
          );
          // The SDK's clients are inside (the runtime's own SDK is never required), hence the size.
          assert.doesNotMatch(text!, /require\("@aws-sdk\/client-/, `${fn.name}: no SDK client left to the runtime`);
          assert.ok(text!.length > 200_000, `${fn.name}: ${text!.length} characters, the SDK clients included`);
        }
      });

      if (install === COPIED) {
        it("runs the copy's build, dist/lib.js, with no path back to this repository's source", () => {
          const installed = path.join(consumer, "node_modules", "parallel-approval");
          assert.equal(lstatSync(installed).isSymbolicLink(), false, "a copy, not a link");
          // Resolved from a file of the consumer: from this spec, Node.js would resolve the name
          // to this repository itself (a package may import itself by its own name).
          assert.equal(
            createRequire(path.join(consumer, "index.ts")).resolve("parallel-approval"),
            path.join(realpathSync(installed), "dist", "lib.js"),
            "what Node.js loads for the consumer (package.json exports)",
          );
          const files = new Set(packOnce().files);
          for (const file of ["dist/lib.js", "dist/lib.d.ts", "dist/components/lambda-bundle.js", "PulumiPlugin.yaml"])
            assert.ok(files.has(file), `the tarball holds ${file}`);
          assert.ok(!files.has("index.ts"), "the stack program is not part of the package");
        });

        it("is still a source-based component package: Pulumi's analyzer reads the copy's lib.ts and derives the repository's schema", async () => {
          const installed = path.join(consumer, "node_modules", "parallel-approval");
          const { name, components } = componentProviderOptions();
          const fromCopy = await new ComponentProvider({ name, components, dirname: installed }).getSchema();
          assert.deepEqual(
            JSON.parse(fromCopy),
            JSON.parse(await new ComponentProvider(componentProviderOptions()).getSchema()),
          );
        });
      }
    });
  }
});

describe("this repository's stack program, loaded as pulumi up loads it (Pulumi.yaml main)", function () {
  this.timeout(300_000);

  it("runs index.ts, not the package entry of package.json, type-checked, with the resources and outputs it has under tsx", async () => {
    const stack = readStackFile("dev");
    const run = await runLikePulumiUp({
      projectDir: REPO,
      config: asProgramConfig(withProjectDefaults(readProjectFile(), stack)),
    });
    assert.equal(run.program, "index.ts");
    const config = Object.fromEntries(
      Object.entries(stack)
        .filter(([key]) => key.startsWith("parallel-approval:"))
        .map(([key, value]) => [key.slice("parallel-approval:".length), value]),
    );
    const underTsx = await evaluateProgram(config);
    assert.equal(underTsx.error, undefined);
    assert.deepEqual(keysOf(run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")), keysOf(underTsx.resources));
    assert.ok(run.resources.some((r) => r.type === "parallel-approval:workflow:ApprovalWorkflow"));
    // The engine records no stack output whose value is undefined (signInCallbackUrl without
    // sign-in); the in-process evaluation keeps the key, so compare the defined ones.
    assert.deepEqual(run.outputs, definedOnly(underTsx.outputs));
    assert.equal(underTsx.outputs.signInCallbackUrl, undefined, "the dev stack has no sign-in");
  });
});
