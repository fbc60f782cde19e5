/**
 * The approval page's sign-in cookies, sealed with the stack's session key: a JWE (direct
 * encryption, A256GCM: confidential and tamper-evident) made and opened by `jose`, whose expiry
 * jose checks. Two cookies, both HttpOnly, Secure, SameSite=Lax, Path=/, host-only (`__Host-`):
 *  - the login in progress (state, nonce, PKCE verifier, the link to return to), 10 minutes;
 *  - the session (the verified email, issuer and subject, a CSRF token), 15 minutes.
 * A cookie that is missing, expired, tampered with or sealed with another key reads as absent:
 * the person signs in again.
 * https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Set-Cookie#cookie_prefixes
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { EncryptJWT, jwtDecrypt } from "jose";

export const SESSION_COOKIE = "__Host-approval-session";
export const LOGIN_COOKIE = "__Host-approval-login";
export const SESSION_SECONDS = 15 * 60;
export const LOGIN_SECONDS = 10 * 60;

/** A signed-in person, as the ID token proved them. */
export interface Session {
  email: string;
  issuer: string;
  subject: string;
  /** Sent with every decision form and compared with this (CSRF protection bound to the session). */
  csrf: string;
}

/** An authorization request in progress (OpenID Connect Core §3.1.2, PKCE: RFC 7636). */
export interface LoginState {
  askId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** max_age=0 was asked: the provider must authenticate again (switching person). */
  reauthenticate: boolean;
}

const ALGORITHMS = { alg: "dir", enc: "A256GCM" } as const;

/** The 32-byte key from its stored form (base64url). */
export function sessionKeyOf(stored: string): Uint8Array {
  const key = Buffer.from(stored.trim(), "base64url");
  if (key.length !== 32) throw new Error(`the session key must be 32 bytes (base64url), got ${key.length}`);
  return new Uint8Array(key);
}

export function newSessionKey(): string {
  return randomBytes(32).toString("base64url");
}

export async function seal(
  kind: "session" | "login",
  payload: Session | LoginState,
  key: Uint8Array,
  now: Date,
  lifetimeSeconds = kind === "session" ? SESSION_SECONDS : LOGIN_SECONDS,
): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new EncryptJWT({ ...payload })
    .setProtectedHeader(ALGORITHMS)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + lifetimeSeconds)
    .setAudience(`approval-page:${kind}`)
    .encrypt(key);
}

/** The payload of a valid cookie value, or undefined (absent, expired, tampered, another key). */
export async function unseal<T extends Session | LoginState>(
  kind: "session" | "login",
  sealed: string | undefined,
  key: Uint8Array,
  now: Date,
): Promise<T | undefined> {
  if (sealed === undefined || sealed === "") return undefined;
  try {
    const { payload } = await jwtDecrypt(sealed, key, {
      audience: `approval-page:${kind}`,
      currentDate: now,
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    return payload as unknown as T;
  } catch {
    return undefined;
  }
}

/** A Set-Cookie value with the attributes every sign-in cookie has. */
export function cookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; Secure; SameSite=Lax`;
}

export const clearCookie = (name: string): string => cookie(name, "", 0);

/** A cookie's value from API Gateway's `cookies` (payload format 2.0: each "name=value"). */
export function cookieValue(cookies: readonly string[] | undefined, name: string): string | undefined {
  const found = (cookies ?? []).find((c) => c.startsWith(`${name}=`));
  return found?.slice(name.length + 1);
}

export const freshCsrf = (): string => randomBytes(24).toString("base64url");

/** The form's CSRF token is the session's, compared in constant time. */
export function csrfMatches(session: Session, sent: string | undefined): boolean {
  if (sent === undefined) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}
