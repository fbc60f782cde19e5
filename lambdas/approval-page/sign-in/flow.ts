/**
 * The sign-in routes of the approval page and the session they leave:
 *  - `GET /r/<id>/sign-in` starts an Authorization Code flow (PKCE, state, nonce) for that link:
 *    the login in progress goes into a sealed cookie, the browser to the provider;
 *  - `GET /auth/callback` checks state, exchanges the code, verifies the ID token (oidc.ts), puts
 *    the verified person into a sealed session cookie and returns to the link's page.
 * Neither records anything. The redirect URI is this API's own `/auth/callback`, from the host
 * API Gateway received the request on (register `<approvalPageUrl>auth/callback` with the provider).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { CALLBACK_ROUTE, approvalLink, askIdOfSignInPath, signInPathOf } from "../../../core/routes";
import { isWellFormedId } from "../../../core/ids";
import { renderPage } from "../render";
import { authorizationRequest, completeLogin, SignInError, type OidcSettings } from "./oidc";
import {
  clearCookie,
  cookie,
  cookieValue,
  freshCsrf,
  LOGIN_COOKIE,
  LOGIN_SECONDS,
  seal,
  SESSION_COOKIE,
  SESSION_SECONDS,
  unseal,
  type LoginState,
  type Session,
} from "./session";

/** What the page needs to sign people in: the provider's client, and the stack's session key. */
export interface SignIn {
  oidc: OidcSettings;
  sessionKey: Uint8Array;
}

const isLoopbackHost = (host: string) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host);

/** `https://<the API's host>/auth/callback` (plain http only for a loopback host: the sandbox). */
export function redirectUriOf(event: APIGatewayProxyEventV2): string {
  const host = event.requestContext.domainName;
  const proto = isLoopbackHost(host) && event.headers?.["x-forwarded-proto"] === "http" ? "http" : "https";
  return `${proto}://${host}${CALLBACK_ROUTE}`;
}

const redirect = (location: string, cookies: string[]): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 303,
  headers: { Location: location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" },
  cookies,
  body: "",
});

function failed(problem: string): APIGatewayProxyStructuredResultV2 {
  const page = renderPage({ kind: "signInFailed", problem });
  return { ...page, cookies: [clearCookie(LOGIN_COOKIE)], isBase64Encoded: false };
}

/** The sign-in route's answer for this request, or undefined when the path is none of them. */
export async function signInRoute(
  signIn: SignIn,
  event: APIGatewayProxyEventV2,
  now: Date,
): Promise<APIGatewayProxyStructuredResultV2 | undefined> {
  const path = event.rawPath ?? "";
  const method = event.requestContext?.http?.method?.toUpperCase();
  const askId = askIdOfSignInPath(path);
  if (askId !== undefined && method === "GET") {
    if (!isWellFormedId(askId)) return { ...renderPage({ kind: "notFound" }), isBase64Encoded: false };
    const reauthenticate = event.queryStringParameters?.switch !== undefined;
    const { url, login } = await authorizationRequest(signIn.oidc, redirectUriOf(event), askId, reauthenticate);
    const sealed = await seal("login", login, signIn.sessionKey, now);
    return redirect(url.href, [cookie(LOGIN_COOKIE, sealed, LOGIN_SECONDS)]);
  }
  if (path === CALLBACK_ROUTE && method === "GET") return callback(signIn, event, now);
  return undefined;
}

async function callback(
  signIn: SignIn,
  event: APIGatewayProxyEventV2,
  now: Date,
): Promise<APIGatewayProxyStructuredResultV2> {
  const login = await unseal<LoginState>("login", cookieValue(event.cookies, LOGIN_COOKIE), signIn.sessionKey, now);
  if (login === undefined) return failed("The sign-in took too long or was started in another browser.");
  const error = event.queryStringParameters?.error;
  if (error !== undefined) return failed(`The provider refused the sign-in (${error}).`);
  const query = event.rawQueryString ? `?${event.rawQueryString}` : "";
  try {
    const person = await completeLogin(signIn.oidc, new URL(`${redirectUriOf(event)}${query}`), login);
    const session: Session = { ...person, csrf: freshCsrf() };
    const sealed = await seal("session", session, signIn.sessionKey, now);
    // Back to the link's page, relative to the API's root (the `$default` stage has no path prefix).
    return redirect(approvalLink("/", login.askId), [
      cookie(SESSION_COOKIE, sealed, SESSION_SECONDS),
      clearCookie(LOGIN_COOKIE),
    ]);
  } catch (caught) {
    if (caught instanceof SignInError) return failed(caught.message);
    throw caught;
  }
}

/** The signed-in person of this request, if their session is valid. */
export function sessionOf(signIn: SignIn, event: APIGatewayProxyEventV2, now: Date): Promise<Session | undefined> {
  return unseal<Session>("session", cookieValue(event.cookies, SESSION_COOKIE), signIn.sessionKey, now);
}

export { signInPathOf };
