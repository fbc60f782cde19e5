/**
 * Text from requests, comments and reviewers, made safe to store, return and show. Pure.
 *
 * Control characters (C0 but newline, DEL, C1) never belong in a request or a comment: they can
 * rewrite a terminal line, break a mail header or hide text. Bidi overrides are legitimate in
 * right-to-left text but can disguise it, so pages show them neutralised (see the page renderer).
 */

/** C0 controls other than newline, DEL, and the C1 controls (U+0080–U+009F, e.g. U+009B CSI). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u;
const CONTROL_EXCEPT_NEWLINE_ALL = new RegExp(CONTROL_EXCEPT_NEWLINE.source, "gu");
/** Every control character, newline included: for one-line fields. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/** Embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069). */
export const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;
export const BIDI_CONTROLS = new RegExp(BIDI_CONTROL.source, "gu");

const encoder = new TextEncoder();

/** UTF-8 bytes of a string's JSON form without the quotes: what it adds to a payload. */
export function jsonBytes(text: string): number {
  return encoder.encode(JSON.stringify(text)).length - 2;
}

/** UTF-8 bytes of a string as it is. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/**
 * The longest prefix (whole code points) whose size (`measure`, UTF-8 by default) fits `maxBytes`,
 * with "…" when cut. Cuts never split a surrogate pair, so the result is valid UTF-8.
 */
export function fitBytes(text: string, maxBytes: number, measure: (text: string) => number = utf8Bytes): string {
  if (measure(text) <= maxBytes) return text;
  const ellipsis = "…";
  let room = maxBytes - measure(ellipsis);
  let out = "";
  for (const char of text) {
    room -= measure(char);
    if (room < 0) break;
    out += char;
  }
  return out.trimEnd() + ellipsis;
}

/** The longest prefix whose JSON form fits `maxBytes` (what it adds to a payload), with "…" when cut. */
export function fitJsonBytes(text: string, maxBytes: number): string {
  return fitBytes(text, maxBytes, jsonBytes);
}

/** Line breaks as LF (browsers send CRLF), tabs as spaces, other controls removed. */
export function stripControls(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(/\t/g, " ").replace(CONTROL_EXCEPT_NEWLINE_ALL, "");
}

/**
 * A comment as stored: controls stripped, trimmed, cut to `maxBytes` of JSON; undefined when
 * nothing is left. Channels that can refuse bad text (the page) do so first; this is the backstop
 * for those that cannot (the SSM console, a reviewer's answer).
 */
export function normalizeComment(comment: string | undefined, maxBytes: number): string | undefined {
  if (comment === undefined) return undefined;
  const clean = stripControls(comment).trim();
  return clean === "" ? undefined : fitJsonBytes(clean, maxBytes);
}

/** One-line text cut to `maxChars` code points, controls removed: for names and reasons. */
export function oneLine(text: string, maxChars: number): string {
  const clean = text.replace(/\s+/g, " ").replace(new RegExp(ANY_CONTROL.source, "gu"), "").trim();
  const chars = [...clean];
  return chars.length <= maxChars ? clean : `${chars.slice(0, maxChars - 1).join("")}…`;
}

/**
 * Text for a terminal: every control and bidi character (newline kept) shown as a visible
 * `\u{…}` escape, so a comment cannot move the cursor, erase a line or fake another line.
 */
export function terminalSafe(text: string): string {
  return text.replace(
    new RegExp(`${CONTROL_EXCEPT_NEWLINE.source}|${BIDI_CONTROL.source}`, "gu"),
    (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`,
  );
}
