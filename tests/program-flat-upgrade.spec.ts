/**
 * A stack deployed with version 0.1's flat config updates without replacing its resources.
 *
 * tests/fixtures/flat-stacks-0.1.json holds, for two flat stacks evaluated by version 0.1 under
 * the same mocks, every resource's URN and the inputs whose change makes the AWS provider replace
 * the resource (names, name prefixes, keys, the resources a subscription, route or permission
 * binds). Pulumi matches resources by URN (or an alias of it) and replaces one whose
 * replace-relevant input changed, unless the resource lists that input in `ignoreChanges`. So
 * for the stacks to update in place, every old URN must still be registered (or aliased) and no
 * such input may differ except where `ignoreChanges` covers it (asserted below, key by key).
 */
import { strict as assert } from "node:assert";
import { isDeepStrictEqual } from "node:util";
import { evaluateProgram, type ProgramRun, type RegisteredUrn } from "../devkit/program-under-mocks";
import { readStackFile } from "../devkit/pulumi-cli-config";
import fixture from "./fixtures/flat-stacks-0.1.json";

interface OldResource {
  urn: string;
  replaceKeys: Record<string, unknown>;
}

const OLD: Record<"flatLink" | "flatMixed", OldResource[]> = fixture;

/** The API's access log group: its new name (under /aws/vendedlogs/) is in ignoreChanges. */
const ACCESS_LOGS_URN =
  "urn:pulumi:dev::parallel-approval::parallel-approval:workflow:ApprovalWorkflow$parallel-approval:http:ApprovalEndpoint$aws:cloudwatch/logGroup:LogGroup::approval-page-access-logs";
const DOCUMENT_URN =
  "urn:pulumi:dev::parallel-approval::parallel-approval:workflow:ApprovalWorkflow$parallel-approval:ssm:SsmApprovalChannel$aws:ssm/document:Document::approval-ssm-document";

const typeOf = (urn: string) => urn.split("::")[2].split("$").at(-1)!;

/**
 * The replace-relevant inputs checked for each type: every key the fixture recorded for that type,
 * plus the physical-name inputs, which force a new resource for every AWS type here. A name input
 * that 0.1 did not set (auto-naming) but this version sets is a replacement too.
 */
function replaceKeysByType(resources: OldResource[]): Map<string, Set<string>> {
  const byType = new Map<string, Set<string>>();
  for (const resource of resources) {
    const type = typeOf(resource.urn);
    const keys = byType.get(type) ?? new Set(type.startsWith("aws:") ? ["name", "namePrefix"] : []);
    for (const key of Object.keys(resource.replaceKeys)) keys.add(key);
    byType.set(type, keys);
  }
  return byType;
}

/** The resource that carries an old URN now: the same URN, or one that aliases it. */
function successorOf(run: ProgramRun, urn: string): RegisteredUrn | undefined {
  return run.urns.find(
    (candidate) =>
      candidate.urn === urn ||
      candidate.aliases.some((alias) => {
        if (typeof alias === "string") return alias === urn;
        if (typeof alias === "object" && alias !== null && "urn" in alias)
          return (alias as { urn: unknown }).urn === urn;
        throw new Error(`${candidate.urn}: an alias by name/type/parent; extend this test to resolve it`);
      }),
  );
}

interface Difference {
  urn: string;
  key: string;
  before: unknown;
  after: unknown;
}

function compare(run: ProgramRun, old: OldResource[]) {
  const keysByType = replaceKeysByType(old);
  const missing: string[] = [];
  const replaced: Difference[] = [];
  const ignored: Difference[] = [];
  for (const resource of old) {
    const successor = successorOf(run, resource.urn);
    if (successor === undefined) {
      missing.push(resource.urn);
      continue;
    }
    const inputs = run.resources.find((r) => r.type === successor.type && r.name === successor.name)?.inputs ?? {};
    for (const key of keysByType.get(typeOf(resource.urn)) ?? []) {
      const before = resource.replaceKeys[key];
      const after = inputs[key];
      if (isDeepStrictEqual(before, after)) continue;
      (successor.ignoreChanges.includes(key) ? ignored : replaced).push({ urn: resource.urn, key, before, after });
    }
  }
  return { missing, replaced, ignored };
}

/** Pulumi.dev.yaml's parallel-approval keys: the flat stack 0.1 shipped as its example. */
function devStackConfig(): Record<string, unknown> {
  const prefix = "parallel-approval:";
  return Object.fromEntries(
    Object.entries(readStackFile("dev"))
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
}

describe("a stack deployed with version 0.1's flat config (program under mocks, CLI defaults applied)", () => {
  const stacks: Array<{ label: string; fixture: keyof typeof OLD; config: () => Record<string, unknown> }> = [
    { label: "link approvers only (Pulumi.dev.yaml)", fixture: "flatLink", config: devStackConfig },
    {
      label: "link approvers and one iam approver",
      fixture: "flatMixed",
      config: () => {
        const config = devStackConfig();
        // Which approver has the principal changes no URN or replace-relevant input of 0.1.
        config.approvers = (config.approvers as Array<Record<string, unknown>>).map((approver) =>
          approver.name === "security"
            ? { ...approver, iamPrincipal: "arn:aws:iam::123456789012:role/SecurityApprover" }
            : approver,
        );
        return config;
      },
    },
  ];

  for (const stack of stacks) {
    describe(stack.label, () => {
      let run: ProgramRun;
      let result: ReturnType<typeof compare>;
      before(async () => {
        const evaluated = await evaluateProgram(stack.config());
        if (evaluated.error !== undefined) throw evaluated.error;
        run = evaluated;
        result = compare(run, OLD[stack.fixture]);
      });

      it(`still registers every one of the ${OLD[stack.fixture].length} URNs of 0.1 (or an alias of it)`, () => {
        assert.ok(OLD[stack.fixture].length > 40, "the fixture is the whole stack");
        assert.deepEqual(result.missing, []);
      });

      it("changes no replace-relevant input that ignoreChanges does not cover: nothing is replaced", () => {
        assert.deepEqual(result.replaced, []);
      });

      it(
        stack.fixture === "flatMixed"
          ? "keeps the API access log group and the SSM document despite their new names: the names are in ignoreChanges"
          : "keeps the API access log group despite its new /aws/vendedlogs/ name prefix: the name is in ignoreChanges",
        () => {
          // New stacks name the group under /aws/vendedlogs/ (it then does not grow the account's
          // CloudWatch Logs resource policy); a 0.1 stack keeps its auto-named group, since a log
          // group cannot be renamed and Pulumi decides update or replace on the state's old value
          // of an ignored input: https://pulumi.com/docs/iac/concepts/options/ignorechanges
          const expected = [
            { urn: ACCESS_LOGS_URN, key: "namePrefix", before: undefined },
            ...(stack.fixture === "flatMixed"
              ? [{ urn: DOCUMENT_URN, key: "name", before: "parallel-approval-dev-approval-ssm" }]
              : []),
          ];
          assert.deepEqual(
            result.ignored.map(({ urn, key, before }) => ({ urn, key, before })),
            expected,
          );
          const after = (urn: string) => result.ignored.find((d) => d.urn === urn)?.after;
          assert.equal(after(ACCESS_LOGS_URN), "/aws/vendedlogs/apigateway/parallel-approval-");
          if (stack.fixture === "flatMixed")
            assert.match(String(after(DOCUMENT_URN)), /^parallel-approval-dev-approval-ssm-[0-9a-f]{8}$/);
        },
      );
    });
  }

  it("the comparison catches a replacement: renaming a 0.1 resource's input is reported", async () => {
    const run = await evaluateProgram(devStackConfig());
    const tampered = OLD.flatLink.map((resource) =>
      resource.urn.endsWith("::approval-finance")
        ? { ...resource, replaceKeys: { namePrefix: "Automation-fin-" } }
        : resource,
    );
    const { replaced, missing } = compare(run, [
      ...tampered,
      { urn: "urn:pulumi:dev::parallel-approval::aws:sns/topic:Topic::gone", replaceKeys: {} },
    ]);
    assert.deepEqual(
      replaced.map((d) => [d.urn.split("::").at(-1), d.key]),
      [["approval-finance", "namePrefix"]],
    );
    assert.deepEqual(missing, ["urn:pulumi:dev::parallel-approval::aws:sns/topic:Topic::gone"]);
  });
});
