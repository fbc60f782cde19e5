/** Shared Lambda plumbing: capability ids and the JSON logger's redaction of secrets. */
import { strict as assert } from "node:assert";
import { freshId, isWellFormedId } from "../lambdas/shared/ids";
import { createLogger, REDACTED } from "../lambdas/shared/log";
import { setEnv } from "./helpers/loopback";

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
      ["info", "vote recorded", "r1", "finance"],
    );
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
