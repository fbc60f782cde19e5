/**
 * Text into HTML, safely. Every piece of request text is hostile until escaped: it all goes
 * through `escapeHtml` (text and quoted attributes alike) or `showText` (text that may carry bidi
 * controls, shown as visible markers so they cannot disguise what a person reads). Pure.
 */
import { BIDI_CONTROLS } from "../../core/text";

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML element content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * Escaped element content with bidi embedding, override and isolate controls neutralised: each
 * is replaced by a visible marker such as [U+202E], so right-to-left overrides cannot reorder
 * what follows (e.g. make "reject" read as "approve").
 */
export function showText(text: string): string {
  return escapeHtml(text).replace(
    BIDI_CONTROLS,
    (c) => `<span class="ctl">[U+${c.codePointAt(0)!.toString(16).toUpperCase()}]</span>`,
  );
}

/**
 * The review URL normalised, if it is an absolute https URL without embedded credentials;
 * otherwise undefined and no link is rendered (no javascript:, data:, http: or relative links).
 */
export function safeReviewUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "") return undefined;
  return url.href;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "Sunday 13 January 2030 at 09:00 UTC": spelled out by hand so it never depends on the runtime's ICU data. */
export function humanUtc(at: Date): string {
  const hh = String(at.getUTCHours()).padStart(2, "0");
  const mm = String(at.getUTCMinutes()).padStart(2, "0");
  return `${WEEKDAYS[at.getUTCDay()]} ${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]} ${at.getUTCFullYear()} at ${hh}:${mm} UTC`;
}

/** An instant as `<time>` with the ISO value and a readable UTC form; raw text if unparsable. */
export function timeHtml(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return escapeHtml(iso);
  return `<time datetime="${escapeHtml(at.toISOString())}">${escapeHtml(humanUtc(at))}</time> <span class="hint">(${escapeHtml(at.toISOString())})</span>`;
}

/** "in 2 days", "in 5 hours", "in 12 minutes": how long the approver still has. */
export function timeLeft(deadline: string, now: Date): string | undefined {
  const ms = new Date(deadline).getTime() - now.getTime();
  if (Number.isNaN(ms) || ms <= 0) return undefined;
  const minutes = Math.floor(ms / 60_000);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (minutes < 1) return "in less than a minute";
  if (minutes < 60) return `in ${plural(minutes, "minute")}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `in ${plural(hours, "hour")}`;
  return `in ${plural(Math.floor(hours / 24), "day")}`;
}
