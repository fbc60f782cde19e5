/**
 * The OpenID Connect side of sign-in, with `openid-client` (a certified Relying Party library):
 * discovery of the provider, the authorization request (Authorization Code flow, PKCE S256,
 * state, nonce) and the callback (code exchanged at the token endpoint; the ID token's signature
 * checked against the provider's JWKS, its issuer, audience, expiry and nonce), then the verified
 * email. No JWT or JWKS handling of our own.
 *  - Flow and ID token validation: https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 *    (§3.1.3.7). The signature check is optional for a token received over TLS from the token
 *    endpoint; it is enabled here (enableNonRepudiationChecks) because an approval is evidence.
 *  - PKCE: https://datatracker.ietf.org/doc/html/rfc7636; `email_verified`: Core §5.1.
 *  - max_age=0 makes the provider authenticate again (Core §3.1.2.1), to switch person.
 */
import * as client from "openid-client";
import type { LoginState } from "./session";

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** A loopback issuer is only ever the sandbox's or a test's provider: config refuses any non-https issuer. */
const isLoopback = (url: URL) => url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);

/** The provider's configuration, discovered once per container. */
const configurations = new Map<string, Promise<client.Configuration>>();

export function providerConfiguration(settings: OidcSettings): Promise<client.Configuration> {
  const key = `${settings.issuer} ${settings.clientId}`;
  let found = configurations.get(key);
  if (found === undefined) {
    const server = new URL(settings.issuer);
    const execute = [client.enableNonRepudiationChecks, ...(isLoopback(server) ? [client.allowInsecureRequests] : [])];
    found = client.discovery(server, settings.clientId, undefined, client.ClientSecretBasic(settings.clientSecret), {
      execute,
    });
    // A failed discovery is tried again on the next request.
    found.catch(() => configurations.delete(key));
    configurations.set(key, found);
  }
  return found;
}

/** Starts a login: where to send the browser, and what the callback must find again. */
export async function authorizationRequest(
  settings: OidcSettings,
  redirectUri: string,
  askId: string,
  reauthenticate: boolean,
): Promise<{ url: URL; login: LoginState }> {
  const config = await providerConfiguration(settings);
  const codeVerifier = client.randomPKCECodeVerifier();
  const login: LoginState = {
    askId,
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier,
    reauthenticate,
  };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid email",
    response_type: "code",
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    state: login.state,
    nonce: login.nonce,
    ...(reauthenticate ? { max_age: "0" } : {}),
  });
  return { url, login };
}

export type VerifiedPerson = { email: string; issuer: string; subject: string };

export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SignInError";
  }
}

/** The callback: the code exchanged and the ID token verified; the person's verified email. */
export async function completeLogin(
  settings: OidcSettings,
  callbackUrl: URL,
  login: LoginState,
): Promise<VerifiedPerson> {
  const config = await providerConfiguration(settings);
  let claims: client.IDToken | undefined;
  try {
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: login.codeVerifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
      ...(login.reauthenticate ? { maxAge: 0 } : {}),
    });
    claims = tokens.claims();
  } catch (error) {
    throw new SignInError(`the sign-in could not be verified: ${(error as Error).message}`);
  }
  if (claims === undefined) throw new SignInError("the provider returned no ID token");
  const email = claims.email;
  if (typeof email !== "string" || email === "") throw new SignInError("the provider's ID token has no email");
  if (claims.email_verified !== true) throw new SignInError(`the provider has not verified the email ${email}`);
  return { email, issuer: claims.iss, subject: claims.sub };
}
