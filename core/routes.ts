/**
 * The approval page's routes, shared by the endpoint (API Gateway route), the page handler, the
 * email that carries the link and the sandbox's stand-in.
 */

/** The page path for one ask; `{id}` is the capability id. */
export const PAGE_ROUTE = "/r/{id}";

/** The approval page link for an ask: `<base>/r/<askId>`, with or without a trailing slash on the base. */
export function approvalLink(approvalPageUrl: string, askId: string): string {
  const base = approvalPageUrl.endsWith("/") ? approvalPageUrl : `${approvalPageUrl}/`;
  return `${base}r/${encodeURIComponent(askId)}`;
}

/** The `{id}` of a raw path `/r/<id>` (a trailing slash allowed), or undefined for any other path. */
export function askIdOfPath(rawPath: string): string | undefined {
  return /^\/r\/([^/]+)\/?$/.exec(rawPath)?.[1];
}
