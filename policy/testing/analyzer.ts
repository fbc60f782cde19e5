/**
 * Runs policies through @pulumi/policy's own analyzer code: the `Analyze` RPC handler of its
 * policy server (server.js, makeAnalyzeRpcFun), called with the protobuf AnalyzeRequest the
 * Pulumi CLI sends, decoded from the wire format, without starting a gRPC server. What comes
 * back is what the CLI receives: diagnostics with their enforcement levels, and the policies
 * that reported "not applicable".
 *
 * No policy config: the server keeps it in module state that only its `Configure` RPC sets, so
 * every policy runs with its defaults (harness.ts covers config).
 */
import { ResourceValidationPolicy } from "@pulumi/policy";

const server = require("@pulumi/policy/server") as {
  makeAnalyzeRpcFun(
    policyPackName: string,
    policyPackVersion: string,
    policyPackEnforcementLevel: string,
    policies: ResourceValidationPolicy[],
  ): (call: { request: unknown }, callback: (error: unknown, response?: AnalyzeResponse) => void) => Promise<void>;
};
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

interface AnalyzeResponse {
  getDiagnosticsList(): Array<{
    getPolicyname(): string;
    getMessage(): string;
    getEnforcementlevel(): number;
    getUrn(): string;
  }>;
  getNotApplicableList(): Array<{ getPolicyName(): string; getReason(): string }>;
}

export const PACK_NAME = "parallel-approval-policies";
export const PACK_VERSION = "0.1.0";

export interface EngineResource {
  type: string;
  name: string;
  /** The inputs as the engine sends them: plain JSON, unknown values as the engine's sentinel strings. */
  props: Record<string, unknown>;
}

export interface ServerDiagnostic {
  policy: string;
  resource: string;
  enforcementLevel: "advisory" | "mandatory" | "remediate" | "disabled";
  message: string;
}

export interface ServerAnalysis {
  diagnostics: ServerDiagnostic[];
  /** Policy name → the reason it gave for not applying. */
  notApplicable: Map<string, string>;
}

const LEVELS: Record<number, ServerDiagnostic["enforcementLevel"]> = {
  [analyzerProto.EnforcementLevel.ADVISORY]: "advisory",
  [analyzerProto.EnforcementLevel.MANDATORY]: "mandatory",
  [analyzerProto.EnforcementLevel.REMEDIATE]: "remediate",
  [analyzerProto.EnforcementLevel.DISABLED]: "disabled",
};

export function urnOf(resource: { type: string; name: string }): string {
  return `urn:pulumi:dev::parallel-approval::${resource.type}::${resource.name}`;
}

/** One `Analyze` call, as the CLI makes it for each resource it is about to create or update. */
export async function analyzeWithPolicyServer(
  policies: readonly ResourceValidationPolicy[],
  resource: EngineResource,
): Promise<ServerAnalysis> {
  const request = new analyzerProto.AnalyzeRequest();
  request.setType(resource.type);
  request.setName(resource.name);
  request.setUrn(urnOf(resource));
  // A protobuf Struct has no undefined: keys set to undefined are absent on the wire.
  request.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(resource.props))));
  request.setOptions(new analyzerProto.AnalyzerResourceOptions());
  const onTheWire = analyzerProto.AnalyzeRequest.deserializeBinary(request.serializeBinary());

  const analyze = server.makeAnalyzeRpcFun(PACK_NAME, PACK_VERSION, "mandatory", [...policies]);
  const response = await new Promise<AnalyzeResponse>((resolve, reject) => {
    void analyze({ request: onTheWire }, (error, result) => (error ? reject(error) : resolve(result!)));
  });
  return {
    diagnostics: response.getDiagnosticsList().map((diagnostic) => ({
      policy: diagnostic.getPolicyname(),
      resource: resource.name,
      enforcementLevel: LEVELS[diagnostic.getEnforcementlevel()],
      message: diagnostic.getMessage(),
    })),
    notApplicable: new Map(
      response.getNotApplicableList().map((entry) => [entry.getPolicyName(), entry.getReason()] as const),
    ),
  };
}

/** The message the server gives a policy's "could not be checked during preview" advisory. */
export function previewAdvisoryMessage(policyName: string, notChecked: string): string {
  return `can't run policy '${policyName}' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: ${notChecked}`;
}

/** The message the server gives a violation reported with reportViolation(message). */
export function violationMessage(policy: ResourceValidationPolicy, message: string): string {
  return `${policy.description}\n${message}`;
}
