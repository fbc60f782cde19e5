/**
 * The pack as the Pulumi CLI runs it: `@pulumi/pulumi/cmd/run-policy-pack` in the pack's
 * directory (TypeScript compiled and type-checked with the pack's own typescript and ts-node),
 * which starts @pulumi/policy's gRPC server and prints its port; then the CLI's calls over gRPC.
 * Needs the pack's dependencies (`npm ci --prefix policy`, as policy/README.md says).
 */
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { allPolicies } from "./all-policies";
import { PACK_NAME, previewAdvisoryMessage, violationMessage } from "./testing/analyzer";
import { lambdaPermissionScoped } from "./policies/lambda-permission-scoped";

const PACK_DIR = __dirname;
const fromPack = (request: string) => require(require.resolve(request, { paths: [PACK_DIR] }));
const grpc = fromPack("@grpc/grpc-js");
const analyzerRpc = fromPack("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerProto = fromPack("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = fromPack("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromPack("google-protobuf/google/protobuf/empty_pb");

function call<T>(client: any, method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method](request, (error: unknown, response: T) => (error ? reject(error) : resolve(response))),
  );
}

describe("policy/index.ts: the pack served the way the Pulumi CLI runs it", function () {
  this.timeout(120_000);
  let pack: ChildProcess;
  let client: any;

  before(async () => {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK_DIR] });
    assert.ok(
      runner.startsWith(path.join(PACK_DIR, "node_modules")),
      `@pulumi/pulumi resolves from the pack's own node_modules (run npm ci --prefix policy), not ${runner}`,
    );
    pack = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: PACK_DIR });
    let stderr = "";
    pack.stderr!.on("data", (chunk) => (stderr += chunk));
    const port = await new Promise<string>((resolve, reject) => {
      pack.stdout!.once("data", (chunk) => resolve(String(chunk).trim()));
      pack.once("exit", (code) => reject(new Error(`the pack exited with ${code}: ${stderr}`)));
    });
    client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    pack?.kill();
  });

  it("loads and lists every policy of all-policies.ts, each mandatory", async () => {
    const info = await call<any>(client, "getAnalyzerInfo", new Empty());
    assert.equal(info.getName(), PACK_NAME);
    assert.deepEqual(
      info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel()]),
      allPolicies.map((p) => [p.name, analyzerProto.EnforcementLevel.MANDATORY]),
    );
  });

  it("answers Analyze with the mandatory violation, the preview advisory and the policies that do not apply", async () => {
    const request = new analyzerProto.AnalyzeRequest();
    request.setType("aws:lambda/permission:Permission");
    request.setName("open");
    request.setUrn("urn:pulumi:dev::parallel-approval::aws:lambda/permission:Permission::open");
    request.setProperties(
      Struct.fromJavaScript({
        action: "lambda:InvokeFunction",
        function: "approval-ssm-result",
        principal: "*",
        sourceArn: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
      }),
    );
    request.setOptions(new analyzerProto.AnalyzerResourceOptions());
    const response = await call<any>(client, "analyze", request);
    assert.deepEqual(
      response.getDiagnosticsList().map((d: any) => [d.getPolicyname(), d.getEnforcementlevel(), d.getMessage()]),
      [
        [
          "lambda-permission-scoped",
          analyzerProto.EnforcementLevel.MANDATORY,
          violationMessage(
            lambdaPermissionScoped,
            'The permission grants everyone (principal "*"); name the one AWS service that invokes the function.',
          ),
        ],
        [
          "lambda-permission-scoped",
          analyzerProto.EnforcementLevel.ADVISORY,
          previewAdvisoryMessage(
            "lambda-permission-scoped",
            "sourceArn: could not be checked during preview; checked at `pulumi up`.",
          ),
        ],
      ],
    );
    assert.deepEqual(
      response
        .getNotApplicableList()
        .map((n: any) => n.getPolicyName())
        .sort(),
      allPolicies
        .filter((p) => p !== lambdaPermissionScoped)
        .map((p) => p.name)
        .sort(),
    );
  });
});
