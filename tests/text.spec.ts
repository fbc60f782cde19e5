/**
 * Text made safe to store, return and print (core/text.ts): comments stripped of control
 * characters other than newline and capped by the bytes they add to a payload, one-line fields,
 * and terminal output in which no comment can move the cursor or fake a line.
 */
import { strict as assert } from "node:assert";
import { MAX_COMMENT_BYTES } from "../core/limits";
import { fitJsonBytes, jsonBytes, normalizeComment, oneLine, stripControls, terminalSafe } from "../core/text";

const ESC = "\u001b";
const CSI = "\u009b";

describe("text safety", () => {
  describe("comments as stored", () => {
    it("strip C0 controls but newline, DEL and C1 controls; turn CRLF into LF and tabs into spaces", () => {
      assert.equal(
        stripControls(`a${ESC}[2Kb\u0007c\u007fd${CSI}31me\u0085f\r\ng\rh\ti\u0000`),
        "a[2Kbcd31mef\ng\nh i",
      );
    });

    it("are trimmed and left out when nothing is left", () => {
      assert.equal(normalizeComment("  fine  ", MAX_COMMENT_BYTES), "fine");
      assert.equal(normalizeComment(` ${ESC}\u0007 \n `, MAX_COMMENT_BYTES), undefined);
      assert.equal(normalizeComment(undefined, MAX_COMMENT_BYTES), undefined);
    });

    it(`are capped at ${MAX_COMMENT_BYTES} bytes of JSON, cut on a whole code point with an ellipsis`, () => {
      for (const unit of ["x", "é", "€", "🚀", "a\n", '"', "\\"]) {
        const comment = normalizeComment(unit.repeat(5000), MAX_COMMENT_BYTES)!;
        assert.ok(jsonBytes(comment) <= MAX_COMMENT_BYTES, `${JSON.stringify(unit)}: ${jsonBytes(comment)} bytes`);
        assert.ok(jsonBytes(comment) > MAX_COMMENT_BYTES - 8, "cut no shorter than needed");
        assert.ok(comment.endsWith("…"));
        const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
        assert.ok(!lone.test(comment), "no half of a surrogate pair");
      }
    });

    it("control characters never count against the cap: they are gone before it is measured", () => {
      const hostile = `${ESC}[1A`.repeat(400) + "ok";
      assert.equal(normalizeComment(hostile, MAX_COMMENT_BYTES), "[1A".repeat(400) + "ok");
      assert.equal(normalizeComment("\u0001".repeat(1000) + "ok", MAX_COMMENT_BYTES), "ok");
    });

    it("1,000 characters of plain ASCII text, the page's maximum, always fit", () => {
      const text = "Looks fine to me. ".repeat(56).slice(0, 1000);
      assert.equal(fitJsonBytes(text, MAX_COMMENT_BYTES), text);
    });

    it("jsonBytes counts what a string adds to a JSON payload, without the quotes", () => {
      assert.deepEqual(["abc", "é", "€", "🚀", "\n", '"', "\u0001"].map(jsonBytes), [3, 2, 3, 4, 2, 2, 6]);
    });
  });

  describe("one-line fields", () => {
    it("collapse whitespace, drop every control character, and cut to a number of code points", () => {
      assert.equal(oneLine(`  a\n b\t${ESC}c${CSI}  `, 100), "a b c");
      assert.equal(oneLine("🚀".repeat(10), 5), "🚀🚀🚀🚀…");
      assert.equal(oneLine("short", 5), "short");
    });
  });

  describe("terminalSafe (text the sandbox prints)", () => {
    it("shows escape sequences, BEL, DEL and C1 controls as visible escapes, so a comment cannot rewrite a line", () => {
      const faked = `ok${ESC}[2K${ESC}[1Gsecurity approved\u0007${CSI}2K\u007f`;
      const safe = terminalSafe(faked);
      assert.equal(safe, "ok\\u{1b}[2K\\u{1b}[1Gsecurity approved\\u{7}\\u{9b}2K\\u{7f}");
    });

    it("shows bidi embedding, override and isolate controls as visible escapes", () => {
      for (let code = 0x202a; code <= 0x202e; code++)
        assert.equal(terminalSafe(String.fromCodePoint(code)), `\\u{${code.toString(16)}}`);
      for (let code = 0x2066; code <= 0x2069; code++)
        assert.equal(terminalSafe(String.fromCodePoint(code)), `\\u{${code.toString(16)}}`);
    });

    it("keeps newlines and ordinary text, any script, as they are", () => {
      const text = "Ship it\nDéploiement ✓ עברית 🚀";
      assert.equal(terminalSafe(text), text);
    });
  });
});
