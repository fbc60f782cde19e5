/**
 * The approval page Lambda (API Gateway HTTP API, payload format 2.0, route `/r/{id}`).
 *
 * GET and HEAD only read, so mail scanners that prefetch the link decide nothing. POST records the
 * decision through the shared recorder, as the email address the link was sent to. One JSON log
 * line per request; the capability id from the path is never logged.
 *
 * With sign-in (sign-in/*), the link alone no longer decides: POST needs a valid session and its
 * CSRF token, the verified email must be the one the link was sent to (core/eligibility.ts), and
 * the decision records that email and the identity { issuer, subject }.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { log as defaultLog, type Logger } from "../../core/log";
import type { RequestStore, TaskCallbacks } from "../../core/ports";
import { loadAskForView, recordDecision } from "../../core/recorder";
import { sfnTaskCallbacks } from "../adapters/callbacks";
import { sfnClient } from "../adapters/sfn-client";
import { LegacyRecordError, requestStoreFromEnv } from "../adapters/store";
import { renderPage, type PageView } from "./render";
import { parseRequest, type ParsedRequest } from "./request-parsing";
import { decisionView, showView } from "./views";
import { signInFromEnv } from "./sign-in/config";
import { signInPathOf, signInRoute, sessionOf, type SignIn } from "./sign-in/flow";
import { cookieValue, csrfMatches, SESSION_COOKIE } from "./sign-in/session";
// The kind alone, not spec.ts: the spec would bundle zod and the config rules into this handler.
// The page decides for the link channel's asks only.
import { LINK } from "../../channels/link/kind";

export interface ApprovalPageDeps {
  store: RequestStore;
  callbacks: TaskCallbacks;
  now?: () => Date;
  log?: Logger;
  /** Set when the stack has sign-in: the provider's client and the session key, loaded on first use. */
  signIn?: () => Promise<SignIn>;
}

/** What one request did, for its log line. */
interface Handled {
  view: PageView;
  /** The recorder's outcome kind for a POST, else the page shown. */
  outcome: string;
  approver?: string;
  requestId?: string;
}

async function handle(deps: ApprovalPageDeps, parsed: ParsedRequest, event: APIGatewayProxyEventV2): Promise<Handled> {
  if (parsed.kind === "error") return { view: parsed.page, outcome: parsed.page.kind };
  const now = deps.now?.() ?? new Date();
  const signIn = deps.signIn === undefined ? undefined : await deps.signIn();
  const session = signIn === undefined ? undefined : await sessionOf(signIn, event, now);
  const signInPath = signInPathOf(parsed.askId);
  if (parsed.kind === "show") {
    const loaded = await loadAskForView(deps.store, parsed.askId, LINK);
    if (loaded === undefined) return { view: { kind: "notFound" }, outcome: "notFound" };
    const state = signIn === undefined ? undefined : { signInPath, ...(session === undefined ? {} : { session }) };
    const view = showView(loaded.ask, loaded.request, now, state);
    return { view, outcome: view.kind, approver: loaded.ask.approver, requestId: loaded.ask.requestId };
  }
  if (signIn !== undefined) {
    // No decision without a valid session and the form of that session.
    if (session === undefined) {
      const problem = cookieValue(event.cookies, SESSION_COOKIE) === undefined ? "missing" : "expired";
      return { view: { kind: "signInRequired", problem, signInPath }, outcome: "signInRequired" };
    }
    if (!csrfMatches(session, parsed.csrf))
      return { view: { kind: "signInRequired", problem: "csrf", signInPath }, outcome: "csrfMismatch" };
  }
  // Without sign-in, decidedBy defaults to the address the link was sent to: all a link proves.
  const identity =
    session === undefined
      ? {}
      : {
          decidedBy: session.email,
          identity: { issuer: session.issuer, subject: session.subject },
          verifiedEmail: session.email,
        };
  const outcome = await recordDecision(
    { store: deps.store, callbacks: deps.callbacks, now: deps.now },
    { askId: parsed.askId, decision: parsed.decision, comment: parsed.comment, channel: LINK, ...identity },
  );
  const ask = outcome.kind === "notFound" ? undefined : outcome.ask;
  return {
    view: decisionView(outcome, parsed.decision, signIn === undefined ? undefined : signInPath),
    outcome: outcome.kind,
    approver: ask?.approver,
    requestId: ask?.requestId,
  };
}

/** An error's name and message, with the capability id cut out in case a message quotes a key. */
function safeError(error: unknown, askId: string | undefined): { name: string; message: string } {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  return { name, message: askId ? message.split(askId).join("[id]") : message };
}

export function createHandler(deps: ApprovalPageDeps | (() => ApprovalPageDeps)) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const parsed = parseRequest(event);
    const askId = parsed.kind === "error" ? undefined : parsed.askId;
    let handled: Handled;
    let logger = defaultLog;
    let failure: { name: string; message: string } | undefined;
    try {
      const resolved = typeof deps === "function" ? deps() : deps;
      logger = resolved.log ?? defaultLog;
      if (resolved.signIn !== undefined) {
        const routed = await signInRoute(await resolved.signIn(), event, resolved.now?.() ?? new Date());
        if (routed !== undefined) {
          logger.info("approval page sign-in", {
            path: routed.statusCode === 303 ? "redirect" : "page",
            status: routed.statusCode,
          });
          return routed;
        }
      }
      handled = await handle(resolved, parsed, event);
    } catch (error) {
      if (error instanceof LegacyRecordError) {
        handled = { view: { kind: "legacy" }, outcome: "legacy" };
      } else {
        failure = safeError(error, askId);
        handled = { view: { kind: "internalError" }, outcome: "error" };
      }
    }
    const page = renderPage(handled.view);
    const fields = {
      method: parsed.method,
      outcome: handled.outcome,
      approver: handled.approver,
      requestId: handled.requestId,
      status: page.statusCode,
    };
    if (failure) logger.error("approval page request failed", { ...fields, error: failure });
    else logger.info("approval page request", fields);
    // HEAD: the same status and headers as GET, no body.
    return {
      statusCode: page.statusCode,
      headers: page.headers,
      body: parsed.method === "HEAD" ? "" : page.body,
      isBase64Encoded: false,
    };
  };
}

let defaults: ApprovalPageDeps | undefined;

/** The container's store and Step Functions callbacks, built on first use (TABLE_NAME is read then). */
function defaultDeps(): ApprovalPageDeps {
  if (defaults === undefined) {
    const signIn = signInFromEnv();
    defaults = {
      store: requestStoreFromEnv(),
      callbacks: sfnTaskCallbacks(sfnClient()),
      ...(signIn ? { signIn } : {}),
    };
  }
  return defaults;
}

export const handler = createHandler(defaultDeps);
