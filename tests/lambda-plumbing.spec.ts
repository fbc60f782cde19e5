/** Shared plumbing: capability ids, request ids derived from executions, and the JSON logger (Lambda's JSON log format, secrets redacted). */
import { strict as assert } from "node:assert";
import { freshId, isWellFormedId, requestIdFor } from "../core/ids";
import { createLogger, REDACTED } from "../core/log";
import { setEnv } from "../devkit/loopback";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { SDK_MAX_ATTEMPTS } from "../lambdas/adapters/aws-client-config";

describe("fresh ids", () => {
  it("are 43 base64url characters carrying 256 random bits, all distinct", () => {
    const ids = Array.from({ length: 1000 }, freshId);
    for (const id of ids) {
      assert.match(id, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(id, "base64url").length, 32);
      assert.ok(isWellFormedId(id));
    }
    assert.equal(new Set(ids).size, ids.length);
  });

  it("isWellFormedId refuses anything else", () => {
    for (const value of [
      "",
      "abc",
      `${freshId()}x`,
      `${freshId().slice(0, 42)}/`,
      `${freshId().slice(0, 42)}=`,
      42,
      undefined,
      null,
    ]) {
      assert.equal(isWellFormedId(value), false, String(value));
    }
  });
});

describe("request ids", () => {
  it("are derived from the execution ARN: the same execution always finds the same record, another never", () => {
    const arn = "arn:aws:states:eu-west-1:123456789012:execution:approval:run-1";
    assert.equal(requestIdFor(arn), requestIdFor(arn));
    assert.notEqual(requestIdFor(arn), requestIdFor(`${arn}2`));
    assert.ok(isWellFormedId(requestIdFor(arn)));
  });
});

describe("the handlers' AWS SDK clients", () => {
  const ADAPTERS = resolve(__dirname, "..", "lambdas", "adapters");

  /**
   * A fresh copy of an adapter module: its client factory (once per container) not yet called.
   * The copies the handlers loaded stay untouched, and stay what the module cache serves, so
   * their clients are still created later with the local endpoints other tests set.
   */
  function freshAdapter(file: string): Record<string, unknown> {
    const path = require.resolve(join(ADAPTERS, file));
    const cached = require.cache[path];
    delete require.cache[path];
    try {
      return require(path) as Record<string, unknown>;
    } finally {
      if (cached === undefined) delete require.cache[path];
      else require.cache[path] = cached;
    }
  }

  it("every adapter's client retries throttling and transient errors more often than the SDK's default 3 attempts (50 branches may call at once)", async () => {
    const files = readdirSync(ADAPTERS).filter((file) => file.endsWith("-client.ts"));
    assert.deepEqual(
      files.sort(),
      [
        "bedrock-client.ts",
        "dynamodb-client.ts",
        "eventbridge-client.ts",
        "lambda-client.ts",
        "sfn-client.ts",
        "sns-client.ts",
        "ssm-client.ts",
      ],
      "a new adapter is checked here too",
    );
    assert.ok(SDK_MAX_ATTEMPTS > 3);
    const restore = setEnv({ AWS_REGION: "eu-west-1" });
    const clients: { config: { maxAttempts: () => Promise<number> }; destroy: () => void }[] = [];
    try {
      for (const file of files) {
        const factories = Object.entries(freshAdapter(file)).filter(([, value]) => typeof value === "function");
        assert.equal(factories.length, 1, `${file} exports its client factory`);
        const [name, factory] = factories[0] as [string, () => (typeof clients)[number]];
        const client = factory();
        clients.push(client);
        assert.equal(await client.config.maxAttempts(), SDK_MAX_ATTEMPTS, `${file}: ${name}()`);
      }
    } finally {
      for (const client of clients) client.destroy();
      restore();
    }
  });
});

describe("JSON logger", () => {
  let restoreEnv: () => void;
  beforeEach(() => (restoreEnv = setEnv({ LOG_LEVEL: "debug" })));
  afterEach(() => restoreEnv());

  it("writes one JSON object per line with level, message and fields", () => {
    const lines: string[] = [];
    createLogger((line) => lines.push(line)).info("vote recorded", { requestId: "r1", approver: "finance" });
    assert.equal(lines.length, 1);
    assert.ok(lines[0].endsWith("\n") && !lines[0].slice(0, -1).includes("\n"));
    const entry = JSON.parse(lines[0]);
    assert.deepEqual(
      [entry.level, entry.message, entry.requestId, entry.approver],
      ["INFO", "vote recorded", "r1", "finance"],
    );
  });

  it("writes the uppercase level and RFC 3339 timestamp that Lambda's JSON log format reads", () => {
    const lines: string[] = [];
    const logger = createLogger((line) => lines.push(line));
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    const entries = lines.map((line) => JSON.parse(line));
    assert.deepEqual(
      entries.map((e) => e.level),
      ["DEBUG", "INFO", "WARN", "ERROR"],
    );
    for (const entry of entries) {
      assert.match(entry.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    assert.deepEqual(Object.keys(entries[0]).slice(0, 3), ["timestamp", "level", "message"]);
  });

  it("never writes task tokens or ask ids, at any depth", () => {
    const lines: string[] = [];
    createLogger((line) => lines.push(line)).error("oops", {
      taskToken: "SECRET-1",
      event: { nested: { token: "SECRET-2", askId: "SECRET-3" } },
    });
    assert.ok(!/SECRET/.test(lines[0]));
    assert.equal(JSON.parse(lines[0]).event.nested.token, REDACTED);
  });

  it("reduces errors to name and message and honours LOG_LEVEL", () => {
    const lines: string[] = [];
    const logger = createLogger((line) => lines.push(line));
    logger.warn("failed", { error: Object.assign(new Error("boom"), { name: "ThrottlingException" }) });
    assert.deepEqual(JSON.parse(lines[0]).error, { name: "ThrottlingException", message: "boom" });
    process.env.LOG_LEVEL = "error";
    logger.info("hidden");
    logger.warn("hidden too");
    assert.equal(lines.length, 1);
  });
});
