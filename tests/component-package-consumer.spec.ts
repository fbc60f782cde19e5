/**
 * The package from outside, loaded the way `pulumi up` loads a TypeScript program
 * (devkit/pulumi-language-host.ts: @pulumi/pulumi's cmd/run, its vendored ts-node, type-checked):
 *  - a consumer's TypeScript project in a temporary folder outside this repository depends on the
 *    package as npm installs a `file:` dependency (a symlink in node_modules), imports
 *    ApprovalWorkflow from "parallel-approval" and evaluates under mocks, with its own tsconfig
 *    (Pulumi's TypeScript template) type-checking the package's source and its own folder as the
 *    working directory: every Lambda is bundled from the package, with the SDK clients in it;
 *  - this repository itself still runs index.ts as its stack program, although package.json's
 *    main/exports now name the library entry (Pulumi.yaml `main`).
 */
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CHANNELS } from "../channels/registry";
import { ApprovalWorkflow, APPROVAL_WORKFLOW_TYPE, type ApprovalStage } from "../components/approval-workflow";
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

/**
 * A consumer project: Pulumi.yaml, package.json with a file: dependency on this repository, the
 * template's tsconfig, and node_modules as npm leaves it: parallel-approval a symlink to the
 * package; the consumer's own @pulumi/pulumi, typescript and @types/node (the same versions,
 * linked from this repository's node_modules rather than downloaded).
 */
function consumerProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "approval-consumer-"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: platform\nruntime: nodejs\n");
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name: "platform",
      main: "index.ts",
      dependencies: { "@pulumi/pulumi": "3.248.0", "parallel-approval": `file:${REPO}` },
      devDependencies: { typescript: "5.9.3", "@types/node": "20.19.43" },
    }),
  );
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(TEMPLATE_TSCONFIG));
  writeFileSync(path.join(dir, "index.ts"), CONSUMER_PROGRAM);
  mkdirSync(path.join(dir, "node_modules", "@pulumi"), { recursive: true });
  mkdirSync(path.join(dir, "node_modules", "@types"), { recursive: true });
  symlinkSync(REPO, path.join(dir, "node_modules", "parallel-approval"), "dir");
  for (const dependency of ["@pulumi/pulumi", "typescript", "@types/node"])
    symlinkSync(path.join(REPO, "node_modules", dependency), path.join(dir, "node_modules", dependency), "dir");
  return dir;
}

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

describe("the package used from a TypeScript program outside this repository, loaded as pulumi up loads it", function () {
  this.timeout(300_000);
  let consumer: string;
  let run: HostedRun;

  before(async () => {
    consumer = consumerProject();
    assert.ok(!realpathSync(consumer).startsWith(realpathSync(REPO)), "the consumer is outside the repository");
    run = await runLikePulumiUp({ projectDir: consumer, config: { "aws:region": REGION } });
  });

  after(() => rmSync(consumer, { recursive: true, force: true }));

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
      assert.equal(text, buildHandlerBundle(entryOf("approvals", fn.name)).code, `${fn.name}: the deployed bundle`);
      // The SDK's clients are inside (the runtime's own SDK is never required), hence the size.
      assert.doesNotMatch(text!, /require\("@aws-sdk\/client-/, `${fn.name}: no SDK client left to the runtime`);
      assert.ok(text!.length > 200_000, `${fn.name}: ${text!.length} characters, the SDK clients included`);
    }
  });
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
