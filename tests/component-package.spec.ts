/**
 * ApprovalWorkflow as a Pulumi component package, seen through Pulumi's own machinery
 * (@pulumi/pulumi/provider/experimental, what `pulumi package add` runs for a source-based package
 * with PulumiPlugin.yaml; https://www.pulumi.com/docs/iac/guides/building-extending/packages/source-based-plugin/):
 *  - the schema the analyzer derives from lib.ts and ApprovalWorkflowArgs: every input with its
 *    type, optionality and description, and the outputs; the SDKs of other languages are
 *    generated from exactly this;
 *  - `construct`, which the engine calls when a Python, Go or YAML program declares an
 *    ApprovalWorkflow, with the inputs deserialized from the wire as the provider server does:
 *    the same resources as this repository's stack program for the same config, and the same
 *    config errors;
 *  - provider.ts run as PulumiPlugin.yaml says, by @pulumi/pulumi's plugin runner (cmd/run-plugin,
 *    what the nodejs language host starts for a source-based plugin): it serves that schema over gRPC.
 */
import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { serializeProperties } from "@pulumi/pulumi/runtime/rpc";
import { CHANNELS } from "../channels/registry";
import { APPROVAL_WORKFLOW_TYPE } from "../components/approval-workflow";
import { componentProviderOptions, PACKAGE_ROOT, packageName } from "../components/component-provider";
import { packageRootOf } from "../components/lambda-bundle";
import { ConfigError, STAGE_KEYS, WORKFLOW_CONFIG_KEYS } from "../core/config";
import { evaluateProgram, evaluateUnderMocks, REGION, type ProgramRun } from "../devkit/program-under-mocks";
import { readStackFile } from "../devkit/pulumi-cli-config";
import { parse } from "yaml";

const REPO = path.join(__dirname, "..");

/** google.protobuf.Struct, the wire form of construct inputs, from the copy @pulumi/pulumi itself uses. */
const { Struct } = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [require.resolve("@pulumi/pulumi")] }),
) as { Struct: { fromJavaScript(value: Record<string, unknown>): unknown } };
/** The provider server's own deserializer of construct inputs (internal to @pulumi/pulumi, so not in its typings). */
const { deserializeInputs } = require("@pulumi/pulumi/provider/server") as {
  deserializeInputs(inputs: unknown, dependencies: Map<string, unknown>): Promise<pulumi.Inputs>;
};

type Property = {
  type?: string;
  $ref?: string;
  items?: Property;
  additionalProperties?: Property;
  description?: string;
  optional?: boolean;
  plain?: boolean;
};
type ObjectType = { properties: Record<string, Property>; required?: string[] };
type Schema = {
  name: string;
  resources: Record<
    string,
    ObjectType & { isComponent?: boolean; inputProperties: Record<string, Property>; requiredInputs: string[] }
  >;
  types: Record<string, ObjectType>;
};

const ref = (type: string) => `#/types/parallel-approval:index:${type}`;

/** What a consumer in another language sees: each input's type, whether it is optional. */
const INPUTS: Record<string, { shape: Property; optional: boolean }> = {
  stages: { shape: { type: "array", items: { $ref: ref("ApprovalStage") } }, optional: true },
  approvers: { shape: { type: "array", items: { $ref: ref("Approver") } }, optional: true },
  quorum: { shape: { type: "number" }, optional: true },
  approvalTimeout: { shape: { type: "string" }, optional: true },
  logRetentionDays: { shape: { type: "number" }, optional: true },
  recordRetentionDays: { shape: { type: "number" }, optional: true },
  pageThrottle: { shape: { $ref: ref("PageThrottle") }, optional: true },
  eventBus: { shape: { type: "string" }, optional: true },
  requesterTopic: { shape: { type: "string" }, optional: true },
  remindEvery: { shape: { type: "string" }, optional: true },
  selfApproval: { shape: { type: "string" }, optional: true },
  signIn: { shape: { $ref: ref("SignIn") }, optional: true },
};

const TYPES: Record<string, Record<string, { shape: Property; optional: boolean }>> = {
  ApprovalStage: {
    name: { shape: { type: "string" }, optional: false },
    approvers: { shape: { type: "array", items: { $ref: ref("Approver") } }, optional: false },
    quorum: { shape: { type: "number" }, optional: true },
    approvalTimeout: { shape: { type: "string" }, optional: true },
    remindEvery: { shape: { type: "string" }, optional: true },
  },
  Approver: {
    name: { shape: { type: "string" }, optional: false },
    email: { shape: { type: "string" }, optional: true },
    iamPrincipal: { shape: { type: "string" }, optional: true },
    backup: { shape: { $ref: ref("Backup") }, optional: true },
    escalateAfter: { shape: { type: "string" }, optional: true },
    reviewer: { shape: { $ref: ref("Reviewer") }, optional: true },
    mode: { shape: { type: "string" }, optional: true },
  },
  Backup: {
    name: { shape: { type: "string" }, optional: false },
    email: { shape: { type: "string" }, optional: false },
  },
  SignIn: {
    issuer: { shape: { type: "string" }, optional: false },
    clientId: { shape: { type: "string" }, optional: false },
    clientSecretParameter: { shape: { type: "string" }, optional: false },
  },
  Reviewer: {
    function: { shape: { type: "string" }, optional: true },
    bedrockModel: { shape: { type: "string" }, optional: true },
    instructions: { shape: { type: "string" }, optional: true },
  },
  PageThrottle: {
    rateLimit: { shape: { type: "number" }, optional: false },
    burstLimit: { shape: { type: "number" }, optional: false },
  },
};

const OUTPUTS: Record<string, { shape: Property; optional: boolean }> = {
  stateMachineArn: { shape: { type: "string" }, optional: false },
  approvalPageUrl: { shape: { type: "string" }, optional: true },
  signInCallbackUrl: { shape: { type: "string" }, optional: true },
  requestTableName: { shape: { type: "string" }, optional: false },
  approverTopicArns: { shape: { type: "object", additionalProperties: { type: "string" } }, optional: false },
};

/** A property's type as the schema states it, without its description and flags. */
function shapeOf(property: Property): Property {
  const { type, $ref, items, additionalProperties } = property;
  return Object.fromEntries(
    Object.entries({
      type,
      $ref,
      items: items && shapeOf(items),
      additionalProperties: additionalProperties && shapeOf(additionalProperties),
    }).filter(([, value]) => value !== undefined),
  );
}

function assertProperties(
  where: string,
  actual: Record<string, Property>,
  required: string[],
  expected: Record<string, { shape: Property; optional: boolean }>,
): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${where}: the properties`);
  for (const [key, { shape, optional }] of Object.entries(expected)) {
    assert.deepEqual(shapeOf(actual[key]), shape, `${where}.${key}: its type`);
    assert.equal(actual[key].optional === true, optional, `${where}.${key}: optional`);
    assert.equal(required.includes(key), !optional, `${where}.${key}: listed as required`);
    assert.ok((actual[key].description ?? "").trim().length >= 20, `${where}.${key}: a description`);
  }
}

/** The fields an approver entry may have in config, over every channel (their zod schemas' keys). */
const channelFields = () =>
  [
    ...new Set(CHANNELS.flatMap((channel) => Object.keys((channel.schema as unknown as { shape: object }).shape))),
  ].sort();

/** The staged example of the README: a link and an iam approver, the same person in two stages. */
const STAGED = {
  stages: [
    {
      name: "owners",
      quorum: 2,
      approvalTimeout: "72h",
      approvers: [
        { name: "finance", email: "finance-lead@example.com" },
        {
          name: "security",
          email: "security@example.com",
          iamPrincipal: "arn:aws:iam::123456789012:role/SecurityApprover",
        },
        { name: "platform", email: "platform-oncall@example.com" },
      ],
    },
    {
      name: "change-board",
      approvalTimeout: "24h",
      approvers: [
        { name: "cab", email: "cab@example.com" },
        {
          name: "security",
          email: "security@example.com",
          iamPrincipal: "arn:aws:iam::123456789012:role/SecurityApprover",
        },
      ],
    },
  ],
};

/** Pulumi.dev.yaml's parallel-approval keys, namespace left out: the flat form. */
function devStack(): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(readStackFile("dev"))
      .filter(([key]) => key.startsWith("parallel-approval:"))
      .map(([key, value]) => [key.slice("parallel-approval:".length), value]),
  );
}

describe("ApprovalWorkflow as a Pulumi component package (provider.ts, lib.ts)", function () {
  this.timeout(180_000);
  let provider: ComponentProvider;
  let schema: Schema;

  before(async () => {
    provider = new ComponentProvider(componentProviderOptions());
    schema = JSON.parse(await provider.getSchema()) as Schema;
  });

  describe("the schema Pulumi's analyzer derives from the TypeScript source", () => {
    it("is the package of package.json's name, with ApprovalWorkflow as a component of its index module", () => {
      assert.equal(schema.name, packageName());
      assert.equal(schema.name, "parallel-approval");
      assert.deepEqual(Object.keys(schema.resources), [APPROVAL_WORKFLOW_TYPE]);
      assert.equal(schema.resources[APPROVAL_WORKFLOW_TYPE].isComponent, true);
    });

    it("lists every input with its type, optionality and description, all plain (known when the program runs)", () => {
      const resource = schema.resources[APPROVAL_WORKFLOW_TYPE];
      assertProperties("ApprovalWorkflowArgs", resource.inputProperties, resource.requiredInputs, INPUTS);
      for (const [key, property] of Object.entries(resource.inputProperties))
        assert.equal(property.plain, true, `${key}: plain`);
    });

    it("describes the stage, approver and throttle types property by property", () => {
      assert.deepEqual(
        Object.keys(schema.types).sort(),
        Object.keys(TYPES)
          .map((type) => `parallel-approval:index:${type}`)
          .sort(),
      );
      for (const [type, properties] of Object.entries(TYPES)) {
        const declared = schema.types[`parallel-approval:index:${type}`];
        assertProperties(type, declared.properties, declared.required ?? [], properties);
      }
    });

    it("lists the outputs with their types and descriptions", () => {
      const resource = schema.resources[APPROVAL_WORKFLOW_TYPE];
      assertProperties("ApprovalWorkflow", resource.properties, resource.required ?? [], OUTPUTS);
    });

    it("takes every stack config key, stage field and approver field the validator knows, so none is out of reach", () => {
      const resource = schema.resources[APPROVAL_WORKFLOW_TYPE];
      const missing = (known: readonly string[], declared: Record<string, Property>) =>
        known.filter((key) => !(key in declared));
      assert.deepEqual(
        missing(WORKFLOW_CONFIG_KEYS, resource.inputProperties),
        [],
        "config keys (core/config.ts WORKFLOW_CONFIG_KEYS) missing from ApprovalWorkflowArgs",
      );
      assert.deepEqual(
        missing(STAGE_KEYS, schema.types["parallel-approval:index:ApprovalStage"].properties),
        [],
        "stage fields (core/config.ts STAGE_KEYS) missing from ApprovalStage",
      );
      assert.deepEqual(
        missing(channelFields(), schema.types["parallel-approval:index:Approver"].properties),
        [],
        "approver fields of a channel (channels/*/spec.ts) missing from Approver",
      );
    });
  });

  describe("construct, as the engine calls it for a program in another language", () => {
    /** The inputs on the wire (as any language's SDK serializes plain values), deserialized by the provider server. */
    async function engineInputs(config: Record<string, unknown>): Promise<pulumi.Inputs> {
      const wire = Struct.fromJavaScript(await serializeProperties("construct inputs", config));
      return deserializeInputs(wire, new Map());
    }

    /**
     * A stack constructing one ApprovalWorkflow through the provider, with only aws:region in its
     * config (no parallel-approval keys: the inputs are all it gets). Same project and stack names
     * as the stack program, since a few physical names (the SSM document's) are made from them.
     */
    async function constructed(config: Record<string, unknown>) {
      const inputs = await engineInputs(config);
      return evaluateUnderMocks(
        async () => {
          const result = await provider.construct("approval", APPROVAL_WORKFLOW_TYPE, inputs, {});
          return result.state as Record<string, pulumi.Output<unknown>>;
        },
        { config: { "aws:region": REGION } },
      );
    }

    /** Inputs with every promise awaited (assets hold their text in promises, which carry async-hook ids). */
    const comparable = async (value: unknown): Promise<unknown> => {
      if (value instanceof Promise) return comparable(await value);
      if (Array.isArray(value)) return Promise.all(value.map(comparable));
      if (value === null || typeof value !== "object") return value;
      const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await comparable(v)] as const));
      return Object.fromEntries(entries);
    };

    const children = (run: ProgramRun, workflowType: string) => {
      const workflows = run.resources.filter((r) => r.type === workflowType);
      assert.deepEqual(
        workflows.map((r) => r.name),
        ["approval"],
        `one ${workflowType}`,
      );
      return run.resources
        .filter((r) => r.type !== workflowType)
        .map((r) => ({ key: `${r.type} ${r.name}`, inputs: r.inputs }))
        .sort((a, b) => a.key.localeCompare(b.key));
    };

    for (const [label, config] of [
      ["the flat stack of Pulumi.dev.yaml", devStack()],
      ["two stages with link and iam approvers", STAGED],
    ] as const) {
      it(`creates the stack program's resources, with the same inputs, for ${label}`, async () => {
        const stack = await evaluateProgram(config);
        assert.equal(stack.error, undefined);
        const viaProvider = await constructed(config);
        assert.equal(viaProvider.error, undefined);
        const expected = children(stack, "parallel-approval:workflow:ApprovalWorkflow");
        const actual = children(viaProvider, APPROVAL_WORKFLOW_TYPE);
        assert.deepEqual(
          actual.map((r) => r.key),
          expected.map((r) => r.key),
        );
        assert.ok(actual.length > 40, `a whole workflow (${actual.length} resources)`);
        for (const [i, resource] of actual.entries()) {
          assert.deepEqual(await comparable(resource.inputs), await comparable(expected[i].inputs), resource.key);
        }
        assert.deepEqual(viaProvider.outputs, stack.outputs, "the component's outputs = the stack's outputs");
      });
    }

    it("fails with the validator's ConfigError, word for word, before any child resource exists", async () => {
      const bad = {
        stages: [
          {
            name: "Owners",
            quorum: 3,
            approvers: [
              { name: "finance", email: "not-an-email" },
              { name: "security", email: "security@example.com", iamPrincipal: "arn:aws:iam::*:role/x" },
            ],
          },
        ],
      };
      const stack = await evaluateProgram(bad);
      assert.ok(stack.error instanceof ConfigError);
      const viaProvider = await constructed(bad);
      assert.ok(viaProvider.error instanceof ConfigError, String(viaProvider.error));
      assert.equal(viaProvider.error.message, stack.error.message);
      assert.ok(viaProvider.error.problems.length >= 3, viaProvider.error.message);
      assert.deepEqual(
        viaProvider.resources.map((r) => r.type),
        [APPROVAL_WORKFLOW_TYPE],
      );
    });
  });
});

describe("provider.ts, run as PulumiPlugin.yaml tells Pulumi to run it", function () {
  this.timeout(180_000);
  let plugin: ChildProcess | undefined;

  after(() => plugin?.kill());

  it("starts a provider under @pulumi/pulumi's plugin runner (TypeScript type-checked) that serves the analyzer's schema over gRPC", async () => {
    const manifest = parse(readFileSync(path.join(REPO, "PulumiPlugin.yaml"), "utf8")) as {
      runtime: string;
      main: string;
    };
    assert.equal(manifest.runtime, "nodejs");
    // What the nodejs language host runs for a source-based plugin: cmd/run-plugin with the plugin's main.
    plugin = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/run-plugin"), manifest.main], {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      plugin!.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = /^(\d+)\s*$/m.exec(stdout);
        if (line) resolve(Number(line[1]));
      });
      plugin!.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      plugin!.on("exit", (code) => reject(new Error(`the provider exited (${code}) before serving:\n${stderr}`)));
    });
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
    const { ResourceProviderClient } = require("@pulumi/pulumi/proto/provider_grpc_pb");
    const { GetSchemaRequest } = require("@pulumi/pulumi/proto/provider_pb");
    const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const served = await new Promise<string>((resolve, reject) =>
      client.getSchema(new GetSchemaRequest(), (error: Error | null, response: { getSchema(): string }) =>
        error ? reject(error) : resolve(response.getSchema()),
      ),
    );
    client.close();
    const expected = JSON.parse(await new ComponentProvider(componentProviderOptions()).getSchema());
    assert.deepEqual(JSON.parse(served), expected);
    assert.ok(APPROVAL_WORKFLOW_TYPE in JSON.parse(served).resources);
  });
});

describe("the package's folder, found from where its code runs (lambda bundling, the analyzer's dirname)", () => {
  it("is the folder of the package.json named parallel-approval, from the source (components/) and from the build (dist/components/)", () => {
    assert.equal(packageRootOf(path.join(REPO, "components")), REPO);
    assert.equal(packageRootOf(path.join(REPO, "dist", "components")), REPO);
    assert.equal(PACKAGE_ROOT, REPO);
  });

  it("passes over another project's package.json, and names the folder it started from when there is none", () => {
    const consumer = mkdtempSync(path.join(tmpdir(), "package-root-"));
    try {
      const installed = path.join(consumer, "node_modules", "parallel-approval");
      mkdirSync(path.join(installed, "dist", "components"), { recursive: true });
      writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "platform" }));
      writeFileSync(path.join(installed, "package.json"), JSON.stringify({ name: "parallel-approval" }));
      assert.equal(packageRootOf(path.join(installed, "dist", "components")), installed);
      const outside = path.join(consumer, "src");
      assert.throws(
        () => packageRootOf(outside),
        new Error(`No package.json with "name": "parallel-approval" in ${outside} or any folder above it`),
      );
    } finally {
      rmSync(consumer, { recursive: true, force: true });
    }
  });
});
