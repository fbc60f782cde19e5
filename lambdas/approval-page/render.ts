/**
 * The approval page: a view model in, a complete HTTP response out. Pure (no AWS imports), so
 * the handler, the local sandbox and the tests render exactly the same bytes.
 *
 * Every piece of request text is hostile until escaped: it all goes through `escapeHtml`, in
 * text and in attributes alike. There is no JavaScript at all; the one inline <style> block is
 * allowed by its hash in the Content-Security-Policy, which forbids everything else.
 */
import { createHash } from "node:crypto";
import type { Decision, Outcome, Signal } from "../shared/model";

/** What the page shows about the request as a whole. */
export interface RequestView {
  subject: string;
  details?: string;
  reviewUrl?: string;
  requestedBy?: string;
  status: "open" | "closed";
  outcome?: Outcome;
  approverCount: number;
  quorum: number;
  approvals: number;
  rejections: number;
  expirations: number;
  closedAt?: string;
}

/** The approver this link was sent to. */
export interface ApproverView {
  name: string;
  /** The email the link was sent to; recorded as `decidedBy`. */
  address: string;
  /** ISO 8601. */
  deadline: string;
}

export interface VoteView {
  decision: Decision;
  comment?: string;
  decidedAt: string;
  /** The workflow has not acknowledged this vote yet (its callback failed; sending again retries it). */
  pending?: boolean;
}

/** The decision a POST asked for, when it could not be recorded (makes the answer a 409). */
export type Attempted = "approve" | "reject";

export type Delivery = "delivered" | "closed" | "pending";

export type PageView =
  | { kind: "form"; request: RequestView; approver: ApproverView; now: Date }
  | {
      kind: "recorded";
      request: RequestView;
      approver: ApproverView;
      vote: VoteView;
      signal: Signal;
      delivery: Delivery;
    }
  | { kind: "alreadyDecided"; request: RequestView; approver: ApproverView; vote: VoteView; attempted?: Attempted }
  | { kind: "closed"; request: RequestView; approver: ApproverView; vote?: VoteView; attempted?: Attempted }
  | { kind: "deadlinePassed"; request: RequestView; approver: ApproverView; attempted?: Attempted }
  | { kind: "notFound" }
  | { kind: "badRequest"; problem: string }
  | { kind: "unsupportedMediaType" }
  | { kind: "methodNotAllowed" }
  | { kind: "payloadTooLarge" }
  | { kind: "internalError" };

export interface PageResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The methods this page answers (the `Allow` header of a 405). */
export const ALLOWED_METHODS = "GET, HEAD, POST";

/** Longest comment accepted, in characters (UTF-16 code units, as the browser's maxlength counts). */
export const MAX_COMMENT_LENGTH = 1000;

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
form.resend{margin:.75rem 0 0;padding:0;border:0}
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
function securityHeaders(): Record<string, string> {
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
function timeHtml(iso: string): string {
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

const DECISION_WORDS: Record<Decision, string> = {
  approve: "Approved",
  reject: "Rejected",
  expired: "No decision (the deadline passed)",
};

const OUTCOME_WORDS: Record<Outcome, string> = {
  approved: "approved",
  rejected: "rejected",
  expired: "expired (not enough approvers decided in time)",
};

function stateText(request: RequestView): string {
  if (request.status === "open") return "Open, waiting for decisions";
  return request.outcome ? `Closed: ${OUTCOME_WORDS[request.outcome]}` : "Closed";
}

function progressText(request: RequestView): string {
  const needed =
    request.quorum === request.approverCount
      ? `all ${request.approverCount} approvers must approve`
      : `${request.quorum} of ${request.approverCount} approvals needed`;
  const parts = [`${request.approvals} approved`];
  if (request.rejections > 0) parts.push(`${request.rejections} rejected`);
  if (request.expirations > 0) parts.push(`${request.expirations} missed the deadline`);
  return `${needed}; so far ${parts.join(", ")}`;
}

function requestSection(request: RequestView, approver: ApproverView): string {
  const review = safeReviewUrl(request.reviewUrl);
  const rows: string[] = [];
  if (request.requestedBy) rows.push(`<dt>Requested by</dt><dd>${escapeHtml(request.requestedBy)}</dd>`);
  if (review) {
    rows.push(
      `<dt>Review</dt><dd><a href="${escapeHtml(review)}" rel="noreferrer noopener" target="_blank">${escapeHtml(review)}</a></dd>`,
    );
  }
  rows.push(
    `<dt>Approver</dt><dd>${escapeHtml(approver.name)} <span class="hint">(${escapeHtml(approver.address)})</span></dd>`,
  );
  rows.push(`<dt>Your deadline</dt><dd>${timeHtml(approver.deadline)}</dd>`);
  rows.push(`<dt>State</dt><dd>${escapeHtml(stateText(request))}</dd>`);
  rows.push(`<dt>Quorum</dt><dd>${escapeHtml(progressText(request))}</dd>`);
  const details = request.details ? `<div class="details">${escapeHtml(request.details)}</div>` : "";
  return `<p class="kicker">Approval request</p>
<h1>${escapeHtml(request.subject)}</h1>
${details}
<dl>${rows.join("\n")}</dl>`;
}

function voteHtml(vote: VoteView): string {
  const comment = vote.comment ? `<p>Your comment:</p><div class="quote">${escapeHtml(vote.comment)}</div>` : "";
  return `<p>Your decision: <strong>${escapeHtml(DECISION_WORDS[vote.decision])}</strong>, on ${timeHtml(vote.decidedAt)}.</p>${comment}`;
}

function notice(tone: "ok" | "no" | "warn" | "info", headline: string, bodyHtml = ""): string {
  const cls = tone === "info" ? "notice" : `notice ${tone}`;
  return `<div class="${cls}" role="status"><p class="headline">${escapeHtml(headline)}</p>${bodyHtml}</div>`;
}

function closedTone(outcome: Outcome | undefined): "ok" | "no" | "info" {
  if (outcome === undefined) return "info";
  return outcome === "approved" ? "ok" : "no";
}

function notRecorded(attempted: Attempted | undefined): string {
  if (!attempted) return "";
  const word = attempted === "approve" ? "approval" : "rejection";
  return `<p>Your ${word} was <strong>not recorded</strong>.</p>`;
}

function formHtml(): string {
  return `<form method="post">
<h2>Your decision</h2>
<label for="comment">Comment <span class="hint">(optional, up to ${MAX_COMMENT_LENGTH} characters)</span></label>
<textarea id="comment" name="comment" maxlength="${MAX_COMMENT_LENGTH}" rows="4"></textarea>
<div class="actions">
<button type="submit" name="decision" value="approve" class="approve">Approve</button>
<button type="submit" name="decision" value="reject" class="reject">Reject</button>
</div>
</form>`;
}

/**
 * A recorded vote whose callback failed is retried on the approver's next POST. Offer that as
 * a one-button form (or a reload of the POST answer); without it the deadline delivers it anyway.
 */
function pendingHtml(decision: Decision): string {
  const resend =
    decision === "approve" || decision === "reject"
      ? `<form method="post" class="resend"><input type="hidden" name="decision" value="${escapeHtml(decision)}"><button type="submit" class="secondary">Send my decision again</button></form>`
      : "";
  return `<p>The workflow has not acknowledged it yet. Nothing more is needed from you: it will be delivered by your deadline at the latest. To hurry it along, try again in a minute or two.</p>${resend}`;
}

function recordedNotice(signal: Signal, delivery: Delivery, decision: Decision): string {
  const word = decision === "approve" ? "approval" : "rejection";
  if (delivery === "closed") {
    return notice(
      "warn",
      `Your ${word} was recorded, but the request had already ended.`,
      "<p>It did not change the outcome.</p>",
    );
  }
  if (delivery === "pending") {
    return notice("warn", `Your ${word} was recorded. The workflow will pick it up.`, pendingHtml(decision));
  }
  switch (signal) {
    case "quorumReached":
      return notice("ok", "Recorded. This completed the quorum: the request is approved.");
    case "rejected":
      return notice("no", "Recorded. This made approval impossible: the request is rejected.");
    case "expired":
      return notice("no", "Recorded. The request can no longer be approved: it expired.");
    default:
      // A rejection is recorded fine but is no green light: keep its notice neutral.
      return notice(decision === "approve" ? "ok" : "info", `Your ${word} was recorded, waiting for the others.`);
  }
}

/** The one HTML shell of every page: meta, the hashed inline style, and the content. */
function htmlDocument(title: string, mainHtml: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
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

function pageDocument(title: string, content: string): string {
  return htmlDocument(
    title,
    `${content}\n<footer>This page is your personal approval link. Do not forward it.</footer>`,
  );
}

function errorDocument(title: string, message: string): string {
  return htmlDocument(title, `<h1>${escapeHtml(title)}</h1>\n${message}`);
}

const BACK_TO_PAGE = `<p><a href="">Back to the approval page</a></p>`;

function statusOf(view: PageView): number {
  switch (view.kind) {
    case "form":
    case "recorded":
      return 200;
    case "alreadyDecided":
    case "closed":
    case "deadlinePassed":
      return view.attempted ? 409 : 200;
    case "notFound":
      return 404;
    case "badRequest":
      return 400;
    case "unsupportedMediaType":
      return 415;
    case "methodNotAllowed":
      return 405;
    case "payloadTooLarge":
      return 413;
    case "internalError":
      return 500;
  }
}

function bodyOf(view: PageView): string {
  switch (view.kind) {
    case "form": {
      const left = timeLeft(view.approver.deadline, view.now);
      return pageDocument(
        `Approval: ${view.request.subject}`,
        `${requestSection(view.request, view.approver)}
${notice("info", "Your decision is needed", left ? `<p>Your deadline is ${escapeHtml(left)}.</p>` : "")}
${formHtml()}`,
      );
    }
    case "recorded":
      return pageDocument(
        `Recorded: ${view.request.subject}`,
        `${recordedNotice(view.signal, view.delivery, view.vote.decision)}
${voteHtml(view.vote)}
${requestSection(view.request, view.approver)}`,
      );
    case "alreadyDecided":
      return pageDocument(
        `Already decided: ${view.request.subject}`,
        `${notice("info", "You already decided on this request.", `${notRecorded(view.attempted)}${voteHtml(view.vote)}${view.vote.pending && view.request.status === "open" ? pendingHtml(view.vote.decision) : ""}`)}
${requestSection(view.request, view.approver)}`,
      );
    case "closed": {
      const outcome = view.request.outcome ? `: ${OUTCOME_WORDS[view.request.outcome]}` : "";
      const closedAt = view.request.closedAt ? `<p>Closed on ${timeHtml(view.request.closedAt)}.</p>` : "";
      const yours = view.vote ? voteHtml(view.vote) : "<p>You did not decide on it.</p>";
      return pageDocument(
        `Closed: ${view.request.subject}`,
        `${notice(closedTone(view.request.outcome), `This request is closed${outcome}.`, `${notRecorded(view.attempted)}${closedAt}${yours}`)}
${requestSection(view.request, view.approver)}`,
      );
    }
    case "deadlinePassed":
      return pageDocument(
        `Deadline passed: ${view.request.subject}`,
        `${notice("warn", "The deadline for your decision has passed.", `${notRecorded(view.attempted)}<p>It was ${timeHtml(view.approver.deadline)}. Decisions can no longer be recorded through this link.</p>`)}
${requestSection(view.request, view.approver)}`,
      );
    case "notFound":
      return errorDocument(
        "Approval link not found",
        "<p>This approval link is not valid. Check that you opened the complete link from the email; links also stop working some time after their request has ended.</p>",
      );
    case "badRequest":
      return errorDocument(
        "Your decision could not be read",
        `<p>${escapeHtml(view.problem)}</p><p>Nothing was recorded.</p>${BACK_TO_PAGE}`,
      );
    case "unsupportedMediaType":
      return errorDocument(
        "Your decision could not be read",
        `<p>Decisions must be sent with the form on the approval page.</p><p>Nothing was recorded.</p>${BACK_TO_PAGE}`,
      );
    case "methodNotAllowed":
      return errorDocument("Method not allowed", `<p>This page only answers GET, HEAD and POST.</p>`);
    case "payloadTooLarge":
      return errorDocument(
        "Your decision was too large",
        `<p>The form data was larger than this page accepts. Keep the comment to ${MAX_COMMENT_LENGTH} characters.</p><p>Nothing was recorded.</p>${BACK_TO_PAGE}`,
      );
    case "internalError":
      return errorDocument(
        "Something went wrong",
        `<p>The approval page could not answer just now. Please try again in a few minutes.</p><p>If you were sending a decision, <a href="">open the approval page again</a> to see whether it was recorded before deciding again.</p>`,
      );
  }
}

/** Renders a page view into a complete response with the security headers. */
export function renderPage(view: PageView): PageResponse {
  const headers = securityHeaders();
  if (view.kind === "methodNotAllowed") headers.Allow = ALLOWED_METHODS;
  return { statusCode: statusOf(view), headers, body: bodyOf(view) };
}
