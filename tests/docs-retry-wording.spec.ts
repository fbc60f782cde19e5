/**
 * What the README and docs/iam-approvals.md say about a throttled channel's retries must match
 * CHANNEL_THROTTLED_RETRY. A retrier's MaxAttempts counts retries, not attempts
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html), and with full
 * jitter each wait is drawn between 0 and its backoff, so the sum of the backoffs is the most it takes.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CHANNEL_THROTTLED_RETRY } from "../core/channel-spec";

const read = (...path: string[]) => readFileSync(resolve(__dirname, "..", ...path), "utf8").replace(/\s+/g, " ");
const NUMBER_WORDS: Record<number, string> = { 10: "ten" };

describe("the documented retries of a throttled channel", () => {
  const { MaxAttempts, IntervalSeconds, BackoffRate, MaxDelaySeconds } = CHANNEL_THROTTLED_RETRY;
  const retries = MaxAttempts ?? 3;
  const waits = Array.from({ length: retries }, (_, i) =>
    Math.min((IntervalSeconds ?? 1) * (BackoffRate ?? 2) ** i, MaxDelaySeconds ?? Infinity),
  );
  const minutes = Math.round(waits.reduce((a, b) => a + b, 0) / 60);

  it("are 8 attempts (7 retries) over at most about 10 minutes", () => {
    assert.equal(retries + 1, 8);
    assert.equal(minutes, 10);
  });

  it("docs/iam-approvals.md counts the attempts and the most time they take", () => {
    const doc = read("docs", "iam-approvals.md");
    assert.ok(doc.includes(`\`MaxAttempts\` ${retries} counts retries, so ${retries + 1} attempts`), "attempts");
    assert.ok(doc.includes(`at most about ${minutes} minutes in all`), "the most time");
  });

  it("the README's IAM section says the same", () => {
    const readme = read("README.md");
    assert.ok(readme.includes(`${retries + 1} attempts over at most about ${NUMBER_WORDS[minutes]} minutes`));
    assert.ok(!/\b7 attempts\b/.test(readme), "no retrier's MaxAttempts 7 is called 7 attempts");
  });
});
