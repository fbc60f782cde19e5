/**
 * What the approval page shows about sign-in (pure HTML fragments; render.ts places them): the
 * sign-in button instead of the form, who is signed in above the form, and the pages that refuse a
 * decision: not signed in (or the session expired or was tampered with), signed in as someone else
 * (403, saying who is signed in and who may decide), signed in as the requester (403).
 */
import { escapeHtml, showText } from "../html";

/** The form's sign-in part: signed out (a button to sign in), or who is signed in (and the CSRF token). */
export interface FormSignIn {
  signInPath: string;
  signedIn?: string;
  csrf?: string;
}

export const signInButton = (path: string, label = "Sign in to decide") =>
  `<p><a class="button" href="${escapeHtml(path)}">${escapeHtml(label)}</a></p>`;

const switchPath = (path: string) => `${path}?switch=1`;

export function signedOutHtml(signIn: FormSignIn): string {
  return `<div class="notice" role="status"><p class="headline">Sign in to decide</p><p>Decisions on this request are tied to a signed-in person: sign in with your organisation's account. Opening this page decides nothing.</p>${signInButton(signIn.signInPath)}</div>`;
}

export function signedInHtml(signIn: FormSignIn): string {
  return `<p class="hint">Signed in as <strong>${showText(signIn.signedIn ?? "")}</strong>. <a href="${escapeHtml(switchPath(signIn.signInPath))}">Not you?</a></p>`;
}

/** The hidden CSRF field of the decision form. */
export const csrfField = (csrf: string) => `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`;

export function notTheApproverHtml(
  signedIn: string,
  approverName: string,
  address: string,
  signInPath?: string,
): string {
  const again = signInPath === undefined ? "" : signInButton(switchPath(signInPath), `Sign in as ${address}`);
  return `<p>You are signed in as <strong>${showText(signedIn)}</strong>. Only <strong>${showText(address)}</strong> (${escapeHtml(approverName)}) may decide through this link.</p><p>Nothing was recorded.</p>${again}`;
}

export function requesterHtml(signedIn: string): string {
  return `<p>You are signed in as <strong>${showText(signedIn)}</strong>, who requested this change. Requesters do not approve their own requests here.</p><p>Nothing was recorded.</p>`;
}

export type SignInProblem = "missing" | "expired" | "csrf";

export function signInRequiredHtml(problem: SignInProblem, signInPath: string): string {
  const why =
    problem === "csrf"
      ? "The form was not sent from this page's current sign-in (it is older than your session, or came from elsewhere)."
      : "Your sign-in is missing or has expired. Sessions last 15 minutes.";
  return `<p>${why}</p><p>Nothing was recorded. Sign in again, then decide on the page.</p>${signInButton(signInPath, "Sign in again")}`;
}
