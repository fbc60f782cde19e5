/**
 * The approval page: a view model in, a complete HTTP response out. Pure (no AWS imports), so
 * the handler, the local sandbox and the tests render exactly the same bytes. Every message tells
 * the person what happened to their decision: recorded (and what it did to the stage), or not
 * recorded and why.
 */
import type { Decision, Outcome, Signal } from "../../core/model";
import { MAX_COMMENT_CHARS } from "../../core/limits";
import { htmlDocument, securityHeaders } from "./document";
import type { AdviceEntry } from "../../core/advice";
import { adviceHtml } from "./advice-html";
import { escapeHtml, safeReviewUrl, showText, timeHtml, timeLeft } from "./html";
import {
  csrfField,
  notTheApproverHtml,
  requesterHtml,
  signedInHtml,
  signedOutHtml,
  signInRequiredHtml,
  type FormSignIn,
  type SignInProblem,
} from "./sign-in/render";

export { escapeHtml, humanUtc, safeReviewUrl, timeLeft } from "./html";
export { STYLE_HASH } from "./document";

/** Another approver's decision in the same stage, as the page lists it. */
export interface OtherDecisionView {
  approver: string;
  decision: Decision;
  decidedAt: string;
  comment?: string;
  reason?: string;
  /** An advisor: shown, but not counted. */
  advice?: boolean;
}

export interface StageView {
  /** 0-based. */
  index: number;
  count: number;
  name: string;
  quorum: number;
  voters: number;
  approvals: number;
  rejections: number;
  misses: number;
  /** Set once the stage's outcome is certain. */
  outcome?: Outcome;
  /** Decisions of the other approvers of this stage, in the order they were made. */
  others: OtherDecisionView[];
  /** Voting approvers of this stage who have not decided yet (the viewer excluded). */
  waitingFor: string[];
}

/** What the page shows about the request as a whole. */
export interface RequestView {
  subject: string;
  details?: string;
  reviewUrl?: string;
  requestedBy?: string;
  change?: string;
  status: "open" | "closed";
  outcome?: Outcome;
  closedAt?: string;
  stage: StageView;
  /** Automated advice given in this stage and the stages before it. */
  advice?: AdviceEntry[];
}

/** The approver this link was sent to. */
export interface ApproverView {
  name: string;
  /** The email the link was sent to; recorded as `decidedBy`. */
  address: string;
  /** ISO 8601. */
  deadline: string;
  /** An advisor's decision does not count toward the quorum. */
  advice?: boolean;
  /** The link went to the approver's backup (this name, at `address`), asked because the approver had not decided. */
  asBackup?: string;
}

export interface VoteView {
  decision: Decision;
  comment?: string;
  reason?: string;
  decidedAt: string;
  /** Who decided: the approver's email, their backup's, or who signed in. */
  decidedBy?: string;
  /** The workflow has not acknowledged this vote yet (its callback failed; sending again retries it). */
  pending?: boolean;
}

/** The decision a POST asked for, when it could not be recorded (makes the answer a 409). */
export type Attempted = "approve" | "reject";

export type Delivery = "delivered" | "closed" | "pending";

export type PageView =
  | { kind: "form"; request: RequestView; approver: ApproverView; now: Date; signIn?: FormSignIn }
  | {
      kind: "recorded";
      request: RequestView;
      approver: ApproverView;
      vote: VoteView;
      signal: Signal;
      delivery: Delivery;
    }
  | { kind: "alreadyDecided"; request: RequestView; approver: ApproverView; vote: VoteView; attempted?: Attempted }
  /** Their part ended without a verdict (recorded as expired, unreachable, failed). */
  | { kind: "noLongerAsked"; request: RequestView; approver: ApproverView; vote: VoteView; attempted?: Attempted }
  | { kind: "stageEnded"; request: RequestView; approver: ApproverView; attempted?: Attempted }
  | { kind: "closed"; request: RequestView; approver: ApproverView; vote?: VoteView; attempted?: Attempted }
  | { kind: "deadlinePassed"; request: RequestView; approver: ApproverView; attempted?: Attempted }
  /** Sign-in: signed in as another person than the one this link asks (403). */
  | {
      kind: "notTheApprover";
      request: RequestView;
      approver: ApproverView;
      signedIn: string;
      signInPath?: string;
      attempted?: Attempted;
    }
  /** Sign-in: signed in as the requester, and self-approval is denied (403). */
  | { kind: "requesterRefused"; request: RequestView; approver: ApproverView; signedIn: string; attempted?: Attempted }
  /** Sign-in: a decision without a valid session or CSRF token (nothing recorded). */
  | { kind: "signInRequired"; problem: SignInProblem; signInPath: string }
  /** Sign-in: the provider's answer could not be verified. */
  | { kind: "signInFailed"; problem: string }
  | { kind: "notFound" }
  | { kind: "legacy" }
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
export const MAX_COMMENT_LENGTH = MAX_COMMENT_CHARS;

const DECISION_WORDS: Record<Decision, string> = {
  approve: "Approved",
  reject: "Rejected",
  expired: "No decision (the deadline passed)",
  unreachable: "Not reached (no confirmed email subscription)",
  failed: "Not asked (the channel failed)",
  abstained: "Abstained",
};

const OUTCOME_WORDS: Record<Outcome, string> = {
  approved: "approved",
  rejected: "rejected",
  expired: "expired (not enough approvers decided in time)",
};

function stateText(request: RequestView): string {
  if (request.status === "open")
    return request.stage.outcome
      ? `Open; this stage is ${OUTCOME_WORDS[request.stage.outcome]}`
      : "Open, waiting for decisions";
  return request.outcome
    ? `Closed: ${OUTCOME_WORDS[request.outcome]}`
    : "Closed without an outcome (the workflow stopped)";
}

function progressText(stage: StageView): string {
  if (stage.voters === 0) return "this stage asks for advice only";
  const needed =
    stage.quorum === stage.voters
      ? `all ${stage.voters} approvers must approve`
      : `${stage.quorum} of ${stage.voters} approvals needed`;
  const parts = [`${stage.approvals} approved`];
  if (stage.rejections > 0) parts.push(`${stage.rejections} rejected`);
  if (stage.misses > 0) parts.push(`${stage.misses} did not decide`);
  return `${needed}; so far ${parts.join(", ")}`;
}

const stageKicker = (stage: StageView) =>
  stage.count > 1 ? `Approval request · stage ${stage.index + 1} of ${stage.count}: ${stage.name}` : "Approval request";

function othersHtml(stage: StageView): string {
  if (stage.others.length === 0 && stage.waitingFor.length === 0) return "";
  const items = stage.others.map((other) => {
    const tag = other.advice ? ` <span class="tag">advice</span>` : "";
    const comment = other.comment ? `<div class="quote">${showText(other.comment)}</div>` : "";
    const reason = other.reason && !other.comment ? `<p class="hint">${showText(other.reason)}</p>` : "";
    return `<li><span class="who">${escapeHtml(other.approver)}</span>${tag}: <strong>${escapeHtml(DECISION_WORDS[other.decision])}</strong>, ${timeHtml(other.decidedAt)}${comment}${reason}</li>`;
  });
  const waiting =
    stage.waitingFor.length > 0
      ? `<p class="hint">Waiting for: ${stage.waitingFor.map(escapeHtml).join(", ")}</p>`
      : "";
  const title = stage.count > 1 ? "Decisions in this stage" : "Decisions so far";
  return `<h2>${title}</h2>${items.length > 0 ? `<ul class="others">${items.join("\n")}</ul>` : "<p>Nobody else has decided yet.</p>"}${waiting}`;
}

function requestSection(request: RequestView, approver: ApproverView): string {
  const review = safeReviewUrl(request.reviewUrl);
  const rows: string[] = [];
  if (request.requestedBy) rows.push(`<dt>Requested by</dt><dd>${showText(request.requestedBy)}</dd>`);
  if (review)
    rows.push(
      `<dt>Review</dt><dd><a href="${escapeHtml(review)}" rel="noreferrer noopener" target="_blank">${showText(review)}</a></dd>`,
    );
  if (request.change) rows.push(`<dt>Change</dt><dd><code>${showText(request.change)}</code></dd>`);
  const advice = approver.advice ? ` <span class="tag">advice: does not count</span>` : "";
  const who =
    approver.asBackup === undefined
      ? `<span class="hint">(${escapeHtml(approver.address)})</span>`
      : `<span class="hint">(you are asked as their backup: ${escapeHtml(approver.asBackup)}, ${escapeHtml(approver.address)}; whoever of you decides first decides for ${escapeHtml(approver.name)})</span>`;
  rows.push(`<dt>Approver</dt><dd>${escapeHtml(approver.name)} ${who}${advice}</dd>`);
  rows.push(`<dt>Your deadline</dt><dd>${timeHtml(approver.deadline)}</dd>`);
  rows.push(`<dt>State</dt><dd>${escapeHtml(stateText(request))}</dd>`);
  rows.push(`<dt>Quorum</dt><dd>${escapeHtml(progressText(request.stage))}</dd>`);
  const details = request.details ? `<div class="details">${showText(request.details)}</div>` : "";
  return `<p class="kicker">${escapeHtml(stageKicker(request.stage))}</p>
<h1>${showText(request.subject)}</h1>
${details}
<dl>${rows.join("\n")}</dl>
${adviceHtml(request.advice, request.stage.index)}
${othersHtml(request.stage)}`;
}

function voteHtml(vote: VoteView, approver: ApproverView): string {
  // Someone else decided through the other link of this approver (their backup, or the approver themselves).
  const other =
    vote.decidedBy !== undefined &&
    (vote.decision === "approve" || vote.decision === "reject") &&
    vote.decidedBy.toLowerCase() !== approver.address.toLowerCase();
  const whose = other ? "The" : "Your";
  const comment = vote.comment ? `<p>${whose} comment:</p><div class="quote">${showText(vote.comment)}</div>` : "";
  const reason = vote.reason ? `<p>${showText(vote.reason)}.</p>` : "";
  const head = other ? `Decided by ${showText(vote.decidedBy!)} for ${escapeHtml(approver.name)}` : "Your decision";
  return `<p>${head}: <strong>${escapeHtml(DECISION_WORDS[vote.decision])}</strong>, on ${timeHtml(vote.decidedAt)}.</p>${reason}${comment}`;
}

function notice(tone: "ok" | "no" | "warn" | "info", headline: string, bodyHtml = ""): string {
  const cls = tone === "info" ? "notice" : `notice ${tone}`;
  return `<div class="${cls}" role="status"><p class="headline">${escapeHtml(headline)}</p>${bodyHtml}</div>`;
}

const toneOf = (outcome: Outcome | undefined): "ok" | "no" | "info" =>
  outcome === undefined ? "info" : outcome === "approved" ? "ok" : "no";

function notRecorded(attempted: Attempted | undefined): string {
  if (!attempted) return "";
  return `<p>Your ${attempted === "approve" ? "approval" : "rejection"} was <strong>not recorded</strong>.</p>`;
}

function formHtml(signIn?: FormSignIn): string {
  if (signIn !== undefined && signIn.signedIn === undefined) return signedOutHtml(signIn);
  const signedIn = signIn === undefined ? "" : `\n${signedInHtml(signIn)}`;
  const csrf = signIn?.csrf === undefined ? "" : `\n${csrfField(signIn.csrf)}`;
  return `<form method="post">
<h2>Your decision</h2>${signedIn}${csrf}
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
 * a one-button form; without it the deadline delivers it anyway.
 */
function pendingHtml(decision: Decision): string {
  const resend =
    decision === "approve" || decision === "reject"
      ? `<form method="post" class="resend"><input type="hidden" name="decision" value="${escapeHtml(decision)}"><button type="submit" class="secondary">Send my decision again</button></form>`
      : "";
  return `<p>The workflow has not acknowledged it yet. Nothing more is needed from you: it will be delivered by your deadline at the latest. To hurry it along, try again in a minute or two.</p>${resend}`;
}

/** What the stage's end means for the request, for the notice that follows a decisive vote. */
function afterStage(request: RequestView): string {
  const { stage } = request;
  if (stage.outcome !== "approved")
    return request.outcome ? `the request is ${OUTCOME_WORDS[request.outcome]}` : "the request is decided";
  if (stage.index + 1 < stage.count) return `the request moves on to stage ${stage.index + 2} of ${stage.count}`;
  return "the request is approved";
}

function recordedNotice(view: Extract<PageView, { kind: "recorded" }>): string {
  const { signal, delivery, vote, request, approver } = view;
  const word = vote.decision === "approve" ? "approval" : "rejection";
  if (delivery === "pending")
    return notice("warn", `Your ${word} was recorded. The workflow will pick it up.`, pendingHtml(vote.decision));
  if (approver.advice)
    return notice(
      "info",
      `Your ${word} was recorded as advice.`,
      "<p>It is shown to the approvers; it does not count toward the quorum.</p>",
    );
  switch (signal) {
    case "quorumReached":
      return notice("ok", `Recorded. This completed the quorum: the stage is approved and ${afterStage(request)}.`);
    case "rejected":
      return notice("no", "Recorded. This made approval impossible: the request is rejected.");
    case "expired":
      return notice("no", "Recorded. The request can no longer be approved: it expired.");
  }
  if (delivery === "closed") {
    // Counted, but another decision ended the stage (or the workflow stopped) just as it arrived.
    if (request.stage.outcome !== undefined) {
      return notice(
        toneOf(request.stage.outcome),
        `Your ${word} was recorded and counted. The stage was decided with it: ${OUTCOME_WORDS[request.stage.outcome]}.`,
        `<p>Another decision recorded at the same moment completed it; ${escapeHtml(afterStage(request))}.</p>`,
      );
    }
    if (request.status === "closed" && request.outcome === undefined) {
      return notice(
        "warn",
        `Your ${word} was recorded, but the workflow had stopped.`,
        "<p>The request was closed without an outcome; your decision did not change that.</p>",
      );
    }
  }
  // A rejection is recorded fine but is no green light: keep its notice neutral.
  return notice(vote.decision === "approve" ? "ok" : "info", `Your ${word} was recorded, waiting for the others.`);
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

const STATUS: Record<PageView["kind"], number> = {
  form: 200,
  recorded: 200,
  alreadyDecided: 200,
  noLongerAsked: 200,
  stageEnded: 200,
  closed: 200,
  deadlinePassed: 200,
  notTheApprover: 403,
  requesterRefused: 403,
  signInRequired: 401,
  signInFailed: 400,
  notFound: 404,
  legacy: 410,
  badRequest: 400,
  unsupportedMediaType: 415,
  methodNotAllowed: 405,
  payloadTooLarge: 413,
  internalError: 500,
};

function statusOf(view: PageView): number {
  // A decision that could not be recorded conflicts with the request's state.
  if (view.kind === "signInRequired" && view.problem === "csrf") return 403;
  if (STATUS[view.kind] === 403) return 403;
  return "attempted" in view && view.attempted ? 409 : STATUS[view.kind];
}

type RequestPageView = Extract<PageView, { request: RequestView }>;

function requestPage(view: RequestPageView): string {
  const section = requestSection(view.request, view.approver);
  const subject = view.request.subject;
  switch (view.kind) {
    case "form": {
      const left = timeLeft(view.approver.deadline, view.now);
      return pageDocument(
        `Approval: ${subject}`,
        `${section}\n${notice("info", "Your decision is needed", left ? `<p>Your deadline is ${escapeHtml(left)}.</p>` : "")}\n${formHtml(view.signIn)}`,
      );
    }
    case "recorded":
      return pageDocument(
        `Recorded: ${subject}`,
        `${recordedNotice(view)}\n${voteHtml(view.vote, view.approver)}\n${section}`,
      );
    case "alreadyDecided": {
      const pending = view.vote.pending && view.request.status === "open" ? pendingHtml(view.vote.decision) : "";
      return pageDocument(
        `Already decided: ${subject}`,
        `${notice("info", "You already decided on this request.", `${notRecorded(view.attempted)}${voteHtml(view.vote, view.approver)}${pending}`)}\n${section}`,
      );
    }
    case "noLongerAsked":
      return pageDocument(
        `No longer asked: ${subject}`,
        `${notice("warn", "Your part in this stage has ended.", `${notRecorded(view.attempted)}${voteHtml(view.vote, view.approver)}`)}\n${section}`,
      );
    case "stageEnded": {
      const outcome = view.request.stage.outcome;
      const headline = outcome ? `This stage has ended: ${OUTCOME_WORDS[outcome]}.` : "This stage has ended.";
      return pageDocument(
        `Stage ended: ${subject}`,
        `${notice(toneOf(outcome), headline, `${notRecorded(view.attempted)}<p>The other approvers' decisions settled it before yours; ${escapeHtml(afterStage(view.request))}.</p>`)}\n${section}`,
      );
    }
    case "closed": {
      const outcome = view.request.outcome ? `: ${OUTCOME_WORDS[view.request.outcome]}` : "";
      const closedAt = view.request.closedAt ? `<p>Closed on ${timeHtml(view.request.closedAt)}.</p>` : "";
      const yours = view.vote ? voteHtml(view.vote, view.approver) : "<p>You did not decide on it.</p>";
      return pageDocument(
        `Closed: ${subject}`,
        `${notice(toneOf(view.request.outcome), `This request is closed${outcome}.`, `${notRecorded(view.attempted)}${closedAt}${yours}`)}\n${section}`,
      );
    }
    case "notTheApprover":
      return pageDocument(
        `Not yours to decide: ${subject}`,
        `${notice("no", "You may not decide through this link.", notTheApproverHtml(view.signedIn, view.approver.name, view.approver.address, view.signInPath))}\n${section}`,
      );
    case "requesterRefused":
      return pageDocument(
        `Your own request: ${subject}`,
        `${notice("no", "You cannot approve your own request.", requesterHtml(view.signedIn))}\n${section}`,
      );
    case "deadlinePassed":
      return pageDocument(
        `Deadline passed: ${subject}`,
        `${notice("warn", "The deadline for your decision has passed.", `${notRecorded(view.attempted)}<p>It was ${timeHtml(view.approver.deadline)}. Decisions can no longer be recorded through this link.</p>`)}\n${section}`,
      );
  }
}

function errorPage(view: PageView): string {
  switch (view.kind) {
    case "notFound":
      return errorDocument(
        "Approval link not found",
        "<p>This approval link is not valid. Check that you opened the complete link from the email; links also stop working some time after their request has ended.</p>",
      );
    case "legacy":
      return errorDocument(
        "This request can no longer be decided here",
        "<p>It was opened by an earlier version of the approval workflow. Ask the requester to start it again.</p><p>Nothing was recorded.</p>",
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
    case "signInRequired":
      return errorDocument("Sign in to decide", signInRequiredHtml(view.problem, view.signInPath));
    case "signInFailed":
      return errorDocument(
        "Sign-in failed",
        `<p>${escapeHtml(view.problem)}</p><p>Nothing was recorded. Open the approval link from your email again to retry.</p>`,
      );
    case "payloadTooLarge":
      return errorDocument(
        "Your decision was too large",
        `<p>The form data was larger than this page accepts. Keep the comment to ${MAX_COMMENT_LENGTH} characters.</p><p>Nothing was recorded.</p>${BACK_TO_PAGE}`,
      );
    default:
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
  const body = "request" in view ? requestPage(view) : errorPage(view);
  return { statusCode: statusOf(view), headers, body };
}
