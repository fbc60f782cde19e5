/** Validation of StartExecution input: what passes, and rejections that name the field and the rule. */
import { strict as assert } from "node:assert";
import { validateExecutionInput, INPUT_LIMITS } from "../lambdas/shared/execution-input";
import { INVALID_INPUT_ERROR } from "../lambdas/shared/model";

function rejects(input: unknown, message: RegExp): void {
  assert.throws(
    () => validateExecutionInput(input),
    (error: Error) => {
      assert.equal(error.name, INVALID_INPUT_ERROR);
      assert.match(error.message, message);
      return true;
    },
  );
}

describe("execution input validation", () => {
  it("accepts a full input and returns exactly its fields", () => {
    const input = {
      subject: "Deploy 42",
      details: "Line one\nLine two\twith a tab",
      reviewUrl: "https://git.example.com/pr/42",
      requestedBy: "ci@example.com",
    };
    assert.deepEqual(validateExecutionInput(input), input);
  });

  it("accepts a subject alone, at the length limits", () => {
    assert.deepEqual(validateExecutionInput({ subject: "s".repeat(INPUT_LIMITS.subject) }), {
      subject: "s".repeat(200),
    });
    assert.doesNotThrow(() =>
      validateExecutionInput({
        subject: "x",
        details: "d".repeat(4000),
        requestedBy: "r".repeat(200),
        reviewUrl: `https://e.com/${"p".repeat(1986)}`,
      }),
    );
  });

  it("rejects anything but a JSON object", () => {
    for (const input of [null, undefined, "subject", 42, ["subject"]])
      rejects(input, /execution input must be a JSON object/);
  });

  it("requires a non-empty string subject", () => {
    rejects({}, /^subject is required$/);
    rejects({ subject: "" }, /subject must not be empty/);
    rejects({ subject: "   " }, /subject must not be empty/);
    rejects({ subject: 7 }, /subject must be a string/);
    rejects({ subject: null }, /subject must be a string/);
  });

  it("rejects fields over their limits, naming field and limit", () => {
    rejects({ subject: "s".repeat(201) }, /subject must be at most 200 characters \(got 201\)/);
    rejects({ subject: "s", details: "d".repeat(4001) }, /details must be at most 4000 characters/);
    rejects({ subject: "s", requestedBy: "r".repeat(201) }, /requestedBy must be at most 200 characters/);
    rejects(
      { subject: "s", reviewUrl: `https://e.com/${"p".repeat(1987)}` },
      /reviewUrl must be at most 2000 characters/,
    );
  });

  it("rejects optional fields of the wrong type", () => {
    rejects({ subject: "s", details: 1 }, /details must be a string/);
    rejects({ subject: "s", requestedBy: { name: "x" } }, /requestedBy must be a string/);
    rejects({ subject: "s", reviewUrl: null }, /reviewUrl must be a string/);
  });

  it("accepts only absolute https review URLs without credentials", () => {
    rejects(
      { subject: "s", reviewUrl: "http://example.com/pr/1" },
      /reviewUrl must be an absolute https URL \(got scheme http:\)/,
    );
    rejects({ subject: "s", reviewUrl: "javascript:alert(1)" }, /reviewUrl must be an absolute https URL/);
    rejects({ subject: "s", reviewUrl: "/relative/path" }, /reviewUrl must be an absolute https URL/);
    rejects({ subject: "s", reviewUrl: "https://user:pw@example.com/" }, /reviewUrl must not contain credentials/);
  });

  it("rejects control characters in one-line fields but allows line breaks in details", () => {
    rejects({ subject: "line\nbreak" }, /subject must not contain control characters/);
    rejects({ subject: "s", requestedBy: "a\u0007" }, /requestedBy must not contain control characters/);
    rejects({ subject: "s", details: "bell\u0007" }, /details must not contain control characters/);
    assert.doesNotThrow(() => validateExecutionInput({ subject: "s", details: "a\r\nb" }));
  });

  it("rejects unknown fields, so a misspelt optional field is not silently dropped", () => {
    rejects({ subject: "s", reviewURL: "https://example.com" }, /unknown field reviewURL/);
  });
});
