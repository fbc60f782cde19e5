/** Validation of StartExecution input: what passes, and rejections that name the field and the rule. */
import { strict as assert } from "node:assert";
import { INVALID_INPUT_ERROR } from "../core/errors";
import { validateExecutionInput } from "../core/execution-input";
import { INPUT_LIMITS } from "../core/limits";

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

const FIELDS = Object.keys(INPUT_LIMITS) as (keyof typeof INPUT_LIMITS)[];

/** A valid input with `value` in `field`. */
const withField = (field: string, value: string) =>
  field === "subject" ? { subject: value } : { subject: "s", [field]: value };

/** C0 controls but newline, DEL, C1 controls (U+009B is the CSI that starts terminal escape sequences). */
const CONTROLS: [string, string][] = [
  ["NUL", "\u0000"],
  ["BEL", "\u0007"],
  ["TAB", "\t"],
  ["CR", "\r"],
  ["ESC", "\u001b"],
  ["DEL", "\u007f"],
  ["U+0085 (NEL)", "\u0085"],
  ["U+009B (CSI)", "\u009b"],
];

describe("execution input validation", () => {
  it("accepts a full input and returns exactly its fields", () => {
    const input = {
      subject: "Deploy 42",
      details: "Line one\nLine two",
      reviewUrl: "https://git.example.com/pr/42",
      requestedBy: "ci@example.com",
      change: "sha256:4f2a9c",
    };
    assert.deepEqual(validateExecutionInput(input), input);
  });

  it("accepts a subject alone, and every field at its length limit", () => {
    assert.deepEqual(validateExecutionInput({ subject: "s".repeat(INPUT_LIMITS.subject) }), {
      subject: "s".repeat(200),
    });
    assert.doesNotThrow(() =>
      validateExecutionInput({
        subject: "x",
        details: "d".repeat(INPUT_LIMITS.details),
        requestedBy: "r".repeat(INPUT_LIMITS.requestedBy),
        reviewUrl: `https://e.com/${"p".repeat(INPUT_LIMITS.reviewUrl - 14)}`,
        change: "c".repeat(INPUT_LIMITS.change),
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

  for (const field of FIELDS) {
    it(`rejects ${field} over its limit of ${INPUT_LIMITS[field]} characters, naming field and limit`, () => {
      const limit = INPUT_LIMITS[field];
      const value = field === "reviewUrl" ? `https://e.com/${"p".repeat(limit - 13)}` : "v".repeat(limit + 1);
      rejects(
        withField(field, value),
        new RegExp(`^${field} must be at most ${limit} characters \\(got ${limit + 1}\\)$`),
      );
    });
  }

  it("rejects optional fields of the wrong type", () => {
    rejects({ subject: "s", details: 1 }, /details must be a string/);
    rejects({ subject: "s", requestedBy: { name: "x" } }, /requestedBy must be a string/);
    rejects({ subject: "s", reviewUrl: null }, /reviewUrl must be a string/);
    rejects({ subject: "s", change: ["a"] }, /change must be a string/);
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

  describe("control characters", () => {
    for (const field of FIELDS) {
      for (const [label, char] of CONTROLS) {
        it(`refuses ${label} in ${field}, naming the code point and its position`, () => {
          const value = field === "reviewUrl" ? `https://e.com/a${char}b` : `ab${char}c`;
          const position = value.indexOf(char) + 1;
          const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
          rejects(
            withField(field, value),
            new RegExp(`^${field} must not contain control characters \\(found U\\+${code} at position ${position};`),
          );
        });
      }
    }

    it("allows line breaks (LF) in details only", () => {
      assert.equal(validateExecutionInput({ subject: "s", details: "a\nb\n" }).details, "a\nb\n");
      for (const field of FIELDS.filter((f) => f !== "details")) {
        rejects(withField(field, field === "reviewUrl" ? "https://e.com/a\nb" : "a\nb"), /it must be one line of text/);
      }
      rejects(
        { subject: "s", details: "a\r\nb" },
        /details must not contain control characters \(found U\+000D.*only newline is allowed/,
      );
    });

    it("accepts other Unicode, bidi controls included (the page shows those neutralised)", () => {
      const input = { subject: "Déploiement ✓ \u202eabc\u202c", details: "עברית\nالعربية" };
      assert.deepEqual(validateExecutionInput(input), input);
    });
  });

  it("rejects unknown fields, so a misspelt optional field is not silently dropped", () => {
    rejects({ subject: "s", reviewURL: "https://example.com" }, /unknown field reviewURL/);
  });
});
