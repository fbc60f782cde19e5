import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { clientCheck, deployedHandlers, SDK_CLIENTS_USED, sdkPackagesIn } from "../bench/bundles";
import {
  billedDurationMs,
  costPer1000,
  gbSeconds,
  NO_WORK,
  SSM_BLOG_PATTERN,
  ssmPatternWork,
  timesCheaper,
  transitionBudget,
  withColdStarts,
  type LambdaUsage,
  type WorkPerRequest,
} from "../bench/cost";
import { PRICES, priceOf } from "../bench/prices";
import { buildHandlerBundle } from "../components/lambda-bundle";
import { requestIdFor } from "../core/ids";
import { requestKey } from "../core/model";
import { localDocumentClient, startDynalite } from "../devkit/dynalite";
import { LOCAL_CREDENTIALS, LOCAL_REGION, setEnv } from "../devkit/loopback";

/** Dollar amounts compared to a tenth of a micro-dollar: the arithmetic is exact up to float rounding. */
function assertUsd(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-7, `${what}: expected ${expected}, got ${actual}`);
}

const lambda = (usage: Partial<LambdaUsage>): LambdaUsage => ({
  name: "fn",
  invocations: 1,
  billedMs: 1,
  memoryMb: 256,
  architecture: "arm64",
  ...usage,
});

describe("bench cost arithmetic", () => {
  describe("Lambda billing units", () => {
    it("rounds each measured duration up to the next millisecond, at least 1 ms", () => {
      assert.equal(billedDurationMs(0), 1);
      assert.equal(billedDurationMs(0.2), 1);
      assert.equal(billedDurationMs(5), 5);
      assert.equal(billedDurationMs(5.01), 6);
    });

    it("refuses negative or non-finite durations", () => {
      assert.throws(() => billedDurationMs(-1), RangeError);
      assert.throws(() => billedDurationMs(Number.NaN), RangeError);
    });

    it("counts GB-seconds with 1 GB = 1,024 MB", () => {
      assert.equal(gbSeconds(256, 1000), 0.25);
      assert.equal(gbSeconds(10_240, 1000), 10);
      assert.equal(gbSeconds(1024, 1), 0.001);
    });
  });

  describe("cost per 1,000 requests", () => {
    it("prices state transitions at $0.025 per 1,000: 7 per request cost $0.175", () => {
      const cost = costPer1000({ ...NO_WORK, stateTransitions: 7 });
      assertUsd(cost.stepFunctions, 0.175, "Step Functions");
      assertUsd(cost.total, 0.175, "total");
    });

    it("bills Lambda per request and per GB-second at the function's architecture", () => {
      const arm = costPer1000({ ...NO_WORK, lambdas: [lambda({ invocations: 2, billedMs: 1000, memoryMb: 1024 })] });
      assertUsd(arm.lambdaRequests, 2 * 1000 * 0.2e-6, "requests");
      assertUsd(arm.lambdaCompute, 1 * 1000 * 0.0000133334, "arm64 compute");
      const x86 = costPer1000({
        ...NO_WORK,
        lambdas: [lambda({ invocations: 2, billedMs: 1000, memoryMb: 1024, architecture: "x86_64" })],
      });
      assertUsd(x86.lambdaCompute, 1 * 1000 * 0.0000166667, "x86_64 compute");
    });

    it("adds up every function's usage", () => {
      const cost = costPer1000({
        ...NO_WORK,
        lambdas: [lambda({ invocations: 1, billedMs: 4 }), lambda({ invocations: 3, billedMs: 60 })],
      });
      assertUsd(cost.lambdaRequests, 4 * 1000 * 0.2e-6, "requests");
      assertUsd(cost.lambdaCompute, gbSeconds(256, 64) * 1000 * 0.0000133334, "compute");
    });

    it("prices DynamoDB write and read request units separately", () => {
      const cost = costPer1000({ ...NO_WORK, dynamoWriteUnits: 16, dynamoReadUnits: 12 });
      assertUsd(cost.dynamoDb, 1000 * (16 * 0.625e-6 + 12 * 0.125e-6), "DynamoDB");
    });

    it("prices SNS emails, HTTP API requests and SSM Automation steps", () => {
      const cost = costPer1000({ ...NO_WORK, snsEmails: 3, httpApiRequests: 6, ssmAutomationSteps: 1 });
      assertUsd(cost.sns, 0.06, "SNS email");
      assertUsd(cost.httpApi, 0.006, "HTTP API");
      assertUsd(cost.ssmAutomation, 2, "SSM Automation");
    });

    it("totals exactly the line items", () => {
      const work: WorkPerRequest = {
        stateTransitions: 7,
        lambdas: [lambda({ invocations: 11, billedMs: 90 })],
        dynamoWriteUnits: 16,
        dynamoReadUnits: 13,
        snsEmails: 3,
        httpApiRequests: 6,
        ssmAutomationSteps: 0,
      };
      const { total, ...items } = costPer1000(work);
      assertUsd(
        total,
        Object.values(items).reduce((sum, usd) => sum + usd, 0),
        "total",
      );
    });

    it("costs nothing for no work", () => {
      assert.equal(costPer1000(NO_WORK).total, 0);
    });
  });

  describe("the SSM Automation blog pattern", () => {
    it("runs two 10,240 MB x86_64 functions for 1 s and one Automation step per approval", () => {
      const work = ssmPatternWork(3);
      assert.deepEqual(work.lambdas, [
        { name: "10 GB callback functions", invocations: 6, billedMs: 6000, memoryMb: 10_240, architecture: "x86_64" },
      ]);
      assert.equal(work.ssmAutomationSteps, 3);
      assert.equal(work.stateTransitions, 0);
    });

    it("costs $7.0012 per 1,000 three-approver requests at list prices", () => {
      // Per approval: 2 x 10 GB-s x $0.0000166667 + 2 requests x $0.0000002 + one $0.002 step.
      const perApproval = 20 * 0.0000166667 + 2 * 0.0000002 + 0.002;
      assertUsd(costPer1000(ssmPatternWork(3)).total, 3 * 1000 * perApproval, "pattern total");
    });

    it("follows its stated assumptions when they change", () => {
      const work = ssmPatternWork(2, { ...SSM_BLOG_PATTERN, billedMsPerInvocation: 200, memoryMb: 1024 });
      assert.equal(work.lambdas[0].billedMs, 4 * 200);
      assert.equal(work.lambdas[0].memoryMb, 1024);
    });
  });

  describe("cold starts", () => {
    it("adds each invocation's INIT time, rounded up, to its function's billed duration", () => {
      const work = withColdStarts(
        { ...NO_WORK, lambdas: [lambda({ name: "notify", invocations: 3, billedMs: 30 })] },
        { notify: 150.2 },
      );
      assert.equal(work.lambdas[0].billedMs, 30 + 3 * 151);
    });

    it("leaves a function without a measured INIT time as it was", () => {
      const work = withColdStarts(
        { ...NO_WORK, lambdas: [lambda({ name: "other", invocations: 2, billedMs: 10 })] },
        {},
      );
      assert.equal(work.lambdas[0].billedMs, 10);
    });
  });

  describe("state transition budget (issue 10)", () => {
    it("allows N + 3 transitions for one stage of N approvers", () => {
      assert.equal(transitionBudget([3]), 6);
      assert.equal(transitionBudget([1]), 4);
      assert.equal(transitionBudget([50]), 53);
    });

    it("allows Σ(Nₛ + 1) + 2 transitions for several stages", () => {
      assert.equal(transitionBudget([1, 3]), 8);
      assert.equal(transitionBudget([1, 3, 2]), 11);
    });

    it("refuses a shape without stages or with an empty stage", () => {
      assert.throws(() => transitionBudget([]), RangeError);
      assert.throws(() => transitionBudget([2, 0]), RangeError);
    });
  });

  describe("prices and ratios", () => {
    it("turns a price per N units into dollars for a quantity", () => {
      assertUsd(priceOf(PRICES.stateTransition, 1000), 0.025, "1,000 transitions");
      assertUsd(priceOf(PRICES.snsEmail, 100_000), 2, "100,000 emails");
    });

    it("says how many times cheaper one cost is than another", () => {
      assert.equal(timesCheaper(0.25, 7), 28);
      assert.equal(timesCheaper(0, 1), Infinity);
    });
  });
});

const DYNAMODB_CLIENTS = ["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb"];

describe("Lambda bundles (components/lambda-bundle.ts, bench/bundles.ts)", () => {
  it("names a bundled package by its innermost node_modules folder", () => {
    assert.deepEqual(
      sdkPackagesIn([
        "lambdas/record-expiry/index.ts",
        "node_modules/@aws-sdk/client-dynamodb/dist-es/index.js",
        "node_modules/@aws-sdk/lib-dynamodb/node_modules/@aws-sdk/core/dist-es/index.js",
        "node_modules/@smithy/core/dist-es/index.js",
      ]),
      ["@aws-sdk/client-dynamodb", "@aws-sdk/core"],
    );
  });

  it("bundles record-expiry with the DynamoDB clients only: no Step Functions, SSM or SNS client", () => {
    const packages = sdkPackagesIn(buildHandlerBundle("record-expiry").inputs);
    for (const client of DYNAMODB_CLIENTS) assert.ok(packages.includes(client), `${client} is bundled`);
    for (const other of ["@aws-sdk/client-sfn", "@aws-sdk/client-ssm", "@aws-sdk/client-sns"])
      assert.ok(!packages.includes(other), `${other} is not bundled`);
  });

  it("bundles every deployed handler with exactly the SDK clients it uses", () => {
    for (const handler of deployedHandlers()) {
      assert.ok(SDK_CLIENTS_USED[handler] !== undefined, `${handler} has an entry in SDK_CLIENTS_USED`);
      const check = clientCheck(handler, buildHandlerBundle(handler).inputs);
      assert.deepEqual(check.unexpectedClients, [], `${handler} bundles no other handler's client`);
      assert.deepEqual(check.missingClients, [], `${handler} bundles every client it uses`);
    }
  });

  it("leaves the SDK out of the comparison build (the SDK of the Lambda runtime)", () => {
    assert.deepEqual(sdkPackagesIn(buildHandlerBundle("approval-page", "runtime").inputs), []);
    assert.match(buildHandlerBundle("approval-page", "runtime").code, /require\("@aws-sdk\/client-sfn"\)/);
  });

  describe("the deployed open-request bundle, run by a plain Node process outside the repository", () => {
    let table: Awaited<ReturnType<typeof startDynalite>>;
    let dir: string;
    let restoreEnv: () => void;
    before(async () => {
      // The handlers run on nodejs24.x: the SDK's notice about this machine's older Node is noise.
      restoreEnv = setEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" });
      table = await startDynalite({ setEnv: false });
      dir = mkdtempSync(path.join(tmpdir(), "bundle-run-"));
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await table.stop();
      restoreEnv();
    });

    it("opens the request in DynamoDB with the SDK it carries (no node_modules to fall back on)", async () => {
      const file = path.join(dir, "index.js");
      writeFileSync(file, buildHandlerBundle("open-request").code);
      const executionArn = "arn:aws:states:eu-west-1:123456789012:execution:approval:bundle-run";
      const event = {
        input: { subject: "Bundled SDK" },
        executionArn,
        startedAt: new Date().toISOString(),
        stages: [{ name: "owners", quorum: 1, timeoutSeconds: 3600, approvers: ["finance"], advisors: [] }],
      };
      const run = `require(${JSON.stringify(file)}).handler(${JSON.stringify(event)}).then((result) => process.stdout.write(JSON.stringify(result)))`;
      // Asynchronous: dynalite answers from this process while the child runs.
      const { stdout } = await promisify(execFile)(process.execPath, ["-e", run], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? "",
          NODE_OPTIONS: "",
          AWS_REGION: LOCAL_REGION,
          AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
          AWS_CONFIG_FILE: "/dev/null",
          AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
          AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          TABLE_NAME: table.tableName,
          RECORD_RETENTION_DAYS: "30",
          LOG_LEVEL: "silent",
        },
      });
      const result = JSON.parse(stdout) as { requestId: string };
      assert.equal(result.requestId, requestIdFor(executionArn));
      const client = localDocumentClient(table);
      try {
        const stored = await client.send(
          new GetCommand({
            TableName: table.tableName,
            Key: { pk: requestKey(result.requestId) },
            ConsistentRead: true,
          }),
        );
        assert.equal((stored.Item as { subject?: string } | undefined)?.subject, "Bundled SDK");
      } finally {
        client.destroy();
      }
    });
  });
});
