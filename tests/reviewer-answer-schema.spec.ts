/**
 * The reviewer contract's answer schema exists twice: as zod (what checkAnswer enforces) and as the
 * JSON Schema the shipped Bedrock reviewer shows the model as its tool's input. Both must say the
 * same thing, or a model told "at most N characters" would have its answer refused (or cut) for a
 * different N.
 */
import { strict as assert } from "node:assert";
import { z } from "zod";
import {
  checkAnswer,
  MAX_REVIEW_COMMENT_CHARS,
  REVIEWER_ANSWER,
  REVIEWER_ANSWER_JSON_SCHEMA,
} from "../channels/automated/contract";

/** A JSON Schema without its descriptions (the model's hints, which zod has no need of). */
function withoutDescriptions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDescriptions);
  if (typeof schema !== "object" || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key]) => key !== "description" && key !== "$schema")
      .map(([key, value]) => [key, withoutDescriptions(value)]),
  );
}

describe("the reviewer answer schema", () => {
  it("shows the model the same schema that checkAnswer enforces, comment length included", () => {
    assert.deepEqual(
      withoutDescriptions(REVIEWER_ANSWER_JSON_SCHEMA),
      withoutDescriptions(z.toJSONSchema(REVIEWER_ANSWER)),
    );
    assert.equal(REVIEWER_ANSWER_JSON_SCHEMA.properties.comment.maxLength, MAX_REVIEW_COMMENT_CHARS);
  });

  it(`accepts a comment of exactly ${MAX_REVIEW_COMMENT_CHARS} characters and refuses one more`, () => {
    const longest = { decision: "approve", comment: "x".repeat(MAX_REVIEW_COMMENT_CHARS) };
    assert.ok("answer" in checkAnswer(longest));
    const over = checkAnswer({ ...longest, comment: `${longest.comment}x` });
    assert.ok("problem" in over && over.problem.includes(`at most ${MAX_REVIEW_COMMENT_CHARS} characters`));
  });
});
