/**
 * The approval page Lambda (API Gateway HTTP API, payload format 2.0, route `/r/{id}`).
 *
 * GET and HEAD only read, so mail scanners that prefetch the link decide nothing. POST records the
 * decision through the shared recorder, as the email address the link was sent to. One JSON log
 * line per request; the capability id from the path is never logged.
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

/** The page decides for the link channel's asks only. */
const LINK_CHANNEL = "link";

export interface ApprovalPageDeps {
  store: RequestStore;
  callbacks: TaskCallbacks;
  now?: () => Date;
  log?: Logger;
}

/** What one request did, for its log line. */
interface Handled {
  view: PageView;
  /** The recorder's outcome kind for a POST, else the page shown. */
  outcome: string;
  approver?: string;
  requestId?: string;
}

async function handle(deps: ApprovalPageDeps, parsed: ParsedRequest): Promise<Handled> {
  if (parsed.kind === "error") return { view: parsed.page, outcome: parsed.page.kind };
  if (parsed.kind === "show") {
    const loaded = await loadAskForView(deps.store, parsed.askId, LINK_CHANNEL);
    if (loaded === undefined) return { view: { kind: "notFound" }, outcome: "notFound" };
    const view = showView(loaded.ask, loaded.request, deps.now?.() ?? new Date());
    return { view, outcome: view.kind, approver: loaded.ask.approver, requestId: loaded.ask.requestId };
  }
  // decidedBy defaults to the address the link was sent to: the only identity a link proves.
  const outcome = await recordDecision(
    { store: deps.store, callbacks: deps.callbacks, now: deps.now },
    { askId: parsed.askId, decision: parsed.decision, comment: parsed.comment, channel: LINK_CHANNEL },
  );
  const ask = outcome.kind === "notFound" ? undefined : outcome.ask;
  return {
    view: decisionView(outcome, parsed.decision),
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
      handled = await handle(resolved, parsed);
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
  return (defaults ??= { store: requestStoreFromEnv(), callbacks: sfnTaskCallbacks(sfnClient()) });
}

export const handler = createHandler(defaultDeps);
