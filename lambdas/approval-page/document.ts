/**
 * The one HTML shell of every page, its inline style and the security headers. There is no
 * JavaScript at all; the one inline <style> block is allowed by its hash in the
 * Content-Security-Policy, which forbids everything else. Pure.
 */
import { createHash } from "node:crypto";
import { BIDI_CONTROLS } from "../../core/text";
import { escapeHtml } from "./html";

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#4a5360;--bg:#ffffff;--panel:#f3f5f8;--line:#c9d1db;
--link:#0b57c2;--ok:#116329;--no:#a4141f;--warn:#7a4a00;--focus:#ffbf47}
@media (prefers-color-scheme:dark){:root{--fg:#eef1f5;--muted:#b9c2cd;--bg:#14171b;--panel:#1f242b;
--line:#3a434e;--link:#8cb8ff;--ok:#197a34;--no:#c42b36;--warn:#f0c36a}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
overflow-wrap:anywhere;word-break:break-word}
main{max-width:40rem;margin:0 auto;padding:1.25rem 1rem 2.5rem}
h1{font-size:1.5rem;line-height:1.25;margin:.25rem 0 1rem}
h2{font-size:1.125rem;margin:1.5rem 0 .5rem}
p{margin:.5rem 0}
a{color:var(--link)}
.kicker{color:var(--muted);font-size:.9375rem;margin:0}
.notice{border-left:.3rem solid var(--line);background:var(--panel);padding:.75rem 1rem;margin:1rem 0;border-radius:.25rem}
.notice.ok{border-color:var(--ok)}
.notice.no{border-color:var(--no)}
.notice.warn{border-color:var(--warn)}
.notice .headline{font-weight:700;font-size:1.125rem;margin:0}
.details{white-space:pre-wrap;background:var(--panel);padding:.75rem 1rem;border-radius:.25rem;margin:.5rem 0}
dl{margin:1rem 0;display:grid;grid-template-columns:1fr;gap:.125rem 1rem}
dt{color:var(--muted);font-size:.9375rem;margin-top:.5rem}
dd{margin:0}
@media (min-width:36rem){dl{grid-template-columns:minmax(8rem,max-content) 1fr}dt{margin-top:0}}
.quote{white-space:pre-wrap;border-left:.2rem solid var(--line);padding-left:.75rem;margin:.5rem 0}
form h2{margin-top:0}
form{margin:1.5rem 0 0;padding:1rem;border:1px solid var(--line);border-radius:.5rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{color:var(--muted);font-size:.9375rem;font-weight:400}
textarea{display:block;width:100%;min-height:6rem;font:inherit;color:inherit;background:var(--bg);
border:1px solid var(--line);border-radius:.25rem;padding:.5rem}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}
button{flex:1 1 10rem;min-height:3rem;font:inherit;font-weight:600;color:#fff;border:0;border-radius:.375rem;padding:.625rem 1rem;cursor:pointer}
button.approve{background:var(--ok)}
button.reject{background:var(--no)}
button.secondary{flex:0 1 auto;color:var(--fg);background:var(--bg);border:1px solid var(--line)}
a.button{display:inline-block;min-height:3rem;padding:.75rem 1rem;border-radius:.375rem;font-weight:600;color:#fff;background:var(--link);text-decoration:none}
form.resend{margin:.75rem 0 0;padding:0;border:0}
.others{list-style:none;padding:0;margin:.5rem 0}
.others li{border-top:1px solid var(--line);padding:.5rem 0}
.others .who{font-weight:600}
.tag{display:inline-block;font-size:.8125rem;border:1px solid var(--line);border-radius:1rem;padding:0 .5rem;margin-left:.25rem}
.ctl{font-family:ui-monospace,monospace;font-size:.8125rem;color:var(--warn)}
:focus-visible{outline:.2rem solid var(--focus);outline-offset:.15rem}
footer{color:var(--muted);font-size:.875rem;margin-top:2rem}
`;

/** The CSP source for the inline style, computed once per container. */
export const STYLE_HASH = `sha256-${createHash("sha256").update(STYLE, "utf8").digest("base64")}`;

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src '${STYLE_HASH}'`,
  "img-src 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers on every response. The URL is a secret: no referrer, no caching, no framing. */
export function securityHeaders(): Record<string, string> {
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    // The endpoint is HTTPS only; browsers ignore this header on plain-HTTP local runs.
    "Strict-Transport-Security": "max-age=31536000",
  };
}

/** Bidi controls in a title (the browser tab, which takes no markup) as plain markers such as [U+202E]. */
const plainTitle = (title: string) =>
  title.replace(BIDI_CONTROLS, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase()}]`);

/** A complete page: meta, the hashed inline style, and the content. */
export function htmlDocument(title: string, mainHtml: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(plainTitle(title))}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${mainHtml}
</main>
</body>
</html>
`;
}
