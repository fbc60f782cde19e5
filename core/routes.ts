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

/** Sign-in (optional): where a link's page starts a sign-in, and where the OpenID Provider returns. */
export const SIGN_IN_ROUTE = "/r/{id}/sign-in";
export const CALLBACK_ROUTE = "/auth/callback";

/** The path that starts a sign-in for one ask's page. */
export const signInPathOf = (askId: string): string => `/r/${encodeURIComponent(askId)}/sign-in`;

/** The `{id}` of `/r/<id>/sign-in`, or undefined. */
export function askIdOfSignInPath(rawPath: string): string | undefined {
  return /^\/r\/([^/]+)\/sign-in\/?$/.exec(rawPath)?.[1];
}

/** The redirect URI to register with the OpenID Provider: `<approval page URL>auth/callback`. */
export function callbackUrlOf(approvalPageUrl: string): string {
  const base = approvalPageUrl.endsWith("/") ? approvalPageUrl : `${approvalPageUrl}/`;
  return `${base}${CALLBACK_ROUTE.slice(1)}`;
}
