/**
 * Reads an API Gateway HTTP API request (payload format 2.0) into what the approval page must
 * do, or the error page to answer with. Pure: no AWS calls, nothing read from the store.
 *
 * Checks run cheapest first and none of them depends on the store, so an answer never reveals
 * whether a well-formed id exists: a path other than `/r/{id}` (404; the API's `$default` route
 * sends every other path here too), method (405), id format (404), body size (413), content
 * type (415), form fields (400). Only a request that passes all of them reaches the store.
 *
 * Wrong content type answers 415 Unsupported Media Type rather than 400: it is the precise
 * status, and the page tells the person to use the form either way.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { isWellFormedId } from "../../core/ids";
import { askIdOfPath } from "../../core/routes";
import { MAX_COMMENT_BYTES } from "../../core/limits";
import { CONTROL_EXCEPT_NEWLINE, jsonBytes } from "../../core/text";
import { MAX_COMMENT_LENGTH } from "./render";

/** Largest accepted body, in bytes after base64 decoding. The form needs ~3 KB at most. */
export const MAX_BODY_BYTES = 16 * 1024;

export const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";

export type PageMethod = "GET" | "HEAD" | "POST";

export type ErrorPage =
  | { kind: "notFound" }
  | { kind: "badRequest"; problem: string }
  | { kind: "unsupportedMediaType" }
  | { kind: "methodNotAllowed" }
  | { kind: "payloadTooLarge" };

export type ParsedRequest =
  /** GET or HEAD: show the ask, change nothing. */
  | { kind: "show"; method: "GET" | "HEAD"; askId: string }
  /** POST with a valid form: record this decision. */
  | {
      kind: "decide";
      method: "POST";
      askId: string;
      decision: "approve" | "reject";
      comment?: string;
      /** The form's CSRF token (sign-in only). */
      csrf?: string;
    }
  /** Answer with an error page; `method` is the request's, so HEAD still gets an empty body. */
  | { kind: "error"; method: string; page: ErrorPage };

/** Header value by name, whatever its case (HTTP API lowercases, other callers may not). */
function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  if (headers[name] !== undefined) return headers[name];
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/**
 * The `{id}` of `/r/{id}`: the route's path parameter, else (the `$default` route) from a raw
 * path of exactly `/r/<id>`, a trailing slash allowed; undefined for any other path.
 */
export function askIdFromPath(event: APIGatewayProxyEventV2): string | undefined {
  const fromRoute = event.pathParameters?.id;
  if (fromRoute !== undefined) return fromRoute;
  return askIdOfPath(event.rawPath ?? "");
}

/** The body's bytes, base64-decoded if API Gateway encoded it; undefined if over `MAX_BODY_BYTES`. */
export function bodyBytes(event: APIGatewayProxyEventV2): Buffer | undefined {
  const body = event.body ?? "";
  // Refuse from the encoded length first, so an oversized body is never decoded.
  const encodedLimit = event.isBase64Encoded ? Math.ceil(MAX_BODY_BYTES / 3) * 4 + 4 : MAX_BODY_BYTES;
  if (body.length > encodedLimit) return undefined;
  const bytes = event.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8");
  return bytes.length > MAX_BODY_BYTES ? undefined : bytes;
}

/** True for `application/x-www-form-urlencoded`, optionally with `charset=utf-8`. */
export function isFormContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type, ...params] = contentType.split(";").map((part) => part.trim().toLowerCase());
  if (type !== FORM_CONTENT_TYPE) return false;
  return params.every((param) => {
    const [name, value] = param.split("=").map((s) => s.trim().replace(/^"|"$/g, ""));
    return name !== "charset" || value === "utf-8" || value === "utf8";
  });
}

export type FormResult =
  { ok: true; decision: "approve" | "reject"; comment?: string } | { ok: false; problem: string };

/**
 * The decision form's fields. Exactly one `decision` (approve or reject); at most one `comment`.
 * Browsers submit textarea line breaks as CRLF but count them as one character for maxlength,
 * so line breaks are normalised to LF (and tabs to spaces) before the checks; any other control
 * character is refused, as it could rewrite a terminal line or hide text wherever the comment is
 * shown. The comment is trimmed.
 */
export function parseDecisionForm(text: string): FormResult {
  const form = new URLSearchParams(text);
  const decisions = form.getAll("decision");
  if (decisions.length === 0) return { ok: false, problem: "Choose Approve or Reject." };
  if (decisions.length > 1) return { ok: false, problem: "Send exactly one decision." };
  const decision = decisions[0];
  if (decision !== "approve" && decision !== "reject") {
    return { ok: false, problem: "The decision must be Approve or Reject." };
  }
  const comments = form.getAll("comment");
  if (comments.length > 1) return { ok: false, problem: "Send at most one comment." };
  const comment = (comments[0] ?? "").replace(/\r\n?/g, "\n").replace(/\t/g, " ");
  if (comment.length > MAX_COMMENT_LENGTH) {
    return { ok: false, problem: `The comment is longer than ${MAX_COMMENT_LENGTH} characters.` };
  }
  // Stored comments are capped in bytes (the execution output's size bound): refuse rather than cut.
  if (jsonBytes(comment.trim()) > MAX_COMMENT_BYTES) {
    return {
      ok: false,
      problem: `The comment is too long to store: in UTF-8 it takes ${jsonBytes(comment.trim())} bytes, and at most ${MAX_COMMENT_BYTES} fit (characters outside Latin scripts take 2 to 4 bytes each). Shorten it and send again.`,
    };
  }
  const control = comment.search(CONTROL_EXCEPT_NEWLINE);
  if (control >= 0) {
    const code = comment.codePointAt(control)!.toString(16).toUpperCase().padStart(4, "0");
    return {
      ok: false,
      problem: `The comment contains a control character (U+${code}) at position ${control + 1}. Remove it and send again.`,
    };
  }
  const trimmed = comment.trim();
  return trimmed === "" ? { ok: true, decision } : { ok: true, decision, comment: trimmed };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** What the request asks the approval page to do, or which error page answers it. */
export function parseRequest(event: APIGatewayProxyEventV2): ParsedRequest {
  const method = (event.requestContext?.http?.method ?? "").toUpperCase();
  const askId = askIdFromPath(event);
  if (askId === undefined) return { kind: "error", method, page: { kind: "notFound" } };
  if (method !== "GET" && method !== "HEAD" && method !== "POST") {
    return { kind: "error", method, page: { kind: "methodNotAllowed" } };
  }
  if (!isWellFormedId(askId)) return { kind: "error", method, page: { kind: "notFound" } };
  if (method !== "POST") return { kind: "show", method, askId };

  const bytes = bodyBytes(event);
  if (bytes === undefined) return { kind: "error", method, page: { kind: "payloadTooLarge" } };
  if (!isFormContentType(header(event, "content-type"))) {
    return { kind: "error", method, page: { kind: "unsupportedMediaType" } };
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { kind: "error", method, page: { kind: "badRequest", problem: "The form data is not valid UTF-8." } };
  }
  const form = parseDecisionForm(text);
  if (!form.ok) return { kind: "error", method, page: { kind: "badRequest", problem: form.problem } };
  const csrf = new URLSearchParams(text).get("csrf") ?? undefined;
  return {
    kind: "decide",
    method,
    askId,
    decision: form.decision,
    ...(form.comment === undefined ? {} : { comment: form.comment }),
    ...(csrf === undefined ? {} : { csrf }),
  };
}
