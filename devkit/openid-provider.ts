/**
 * A real OpenID Provider on loopback for tests and the sandbox: `oidc-provider` (an OpenID
 * Certified implementation, MIT; https://openid.net/certification/), with the approvers as its
 * users and the approval page as its one confidential client (Authorization Code flow, PKCE
 * required, client_secret_basic). Its login page lists the people to sign in as; consent is given
 * at once. It signs ID tokens with a fresh RS256 key and publishes it in its JWKS, so the page's
 * verification of signature, issuer, audience, expiry and nonce runs as against any provider.
 *
 * Plain http on 127.0.0.1 only: OpenID Connect requires an https issuer, so stack config refuses
 * any other, and the page accepts an http issuer on a loopback address alone (the sandbox's).
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import type Provider from "oidc-provider";
import { closeServer, listenOnLoopback, loopbackUrl } from "../local/loopback";

export interface ProviderPerson {
  /** The email the ID token carries. */
  email: string;
  /** Shown on the login page. */
  name: string;
  /** The ID token's `email_verified` (default true); false plays a provider that has not verified the email. */
  emailVerified?: boolean;
}

export interface LocalOpenIdProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The `sub` the provider gives a person (stable for the provider's life). */
  subjectOf(email: string): string;
  stop(): Promise<void>;
}

export interface OpenIdProviderOptions {
  people: readonly ProviderPerson[];
  /** The client's registered redirect URIs (the approval page's `/auth/callback`). */
  redirectUris: string[];
  port?: number;
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function loginPage(uid: string, people: readonly ProviderPerson[]): string {
  const buttons = people
    .map(
      (p) =>
        `<li><button type="submit" name="login" value="${escape(p.email)}">Sign in as ${escape(p.name)} &lt;${escape(p.email)}&gt;</button></li>`,
    )
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local sign-in</title></head><body>
<h1>Local OpenID Provider</h1><p>Choose who you are (sandbox only: no password).</p>
<form method="post" action="/interaction/${escape(uid)}/login"><ul>${buttons}</ul></form></body></html>`;
}

async function formField(req: IncomingMessage, name: string): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8")).get(name) ?? undefined;
}

interface ProviderClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

/** The provider itself: one confidential client, a fresh RS256 signing key, the people as accounts. */
async function createProvider(
  issuer: string,
  client: ProviderClient,
  byAccount: ReadonlyMap<string, ProviderPerson>,
): Promise<Provider> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: "RS256", use: "sig", kid: "local-1" };

  // Loaded only when a provider is started: the sandbox without --sign-in never loads it (it warns on Node 20).
  const { default: OpenIdProvider } = (await import("oidc-provider")) as { default: typeof Provider };
  return new OpenIdProvider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: client.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    // Scope claims (email) in the ID token itself, which is all the page reads.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx: unknown, id: string) {
      const person = byAccount.get(id);
      if (person === undefined) return undefined;
      const verified = person.emailVerified ?? true;
      return { accountId: id, claims: async () => ({ sub: id, email: person.email, email_verified: verified }) };
    },
  });
}

/** The provider's interaction pages: the login page (pick a person), then consent granted at once. */
function interactions(
  provider: Provider,
  people: readonly ProviderPerson[],
  subjects: ReadonlyMap<string, string>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const uid = details.uid as string;
    if (req.method === "POST" && req.url?.endsWith("/login")) {
      const login = ((await formField(req, "login")) ?? "").toLowerCase();
      const accountId = subjects.get(login);
      if (accountId === undefined) {
        res.writeHead(400, { "content-type": "text/plain" }).end("unknown person");
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    if (details.prompt.name === "login") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(loginPage(uid, people));
      return;
    }
    // Consent: granted at once, for what the client asked.
    const { prompt, params, session } = details as unknown as {
      prompt: { details: { missingOIDCScope?: string[]; missingOIDCClaims?: string[] } };
      params: { client_id: string };
      session: { accountId: string };
    };
    const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };
}

export async function startOpenIdProvider(options: OpenIdProviderOptions): Promise<LocalOpenIdProvider> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server = createServer((req, res) => handle(req, res));
  const port = await listenOnLoopback(server, options.port ?? 0);
  const issuer = loopbackUrl(port);
  const client = {
    clientId: "approval-page",
    clientSecret: randomBytes(24).toString("base64url"),
    redirectUris: options.redirectUris,
  };
  const subjects = new Map(options.people.map((p, i) => [p.email.toLowerCase(), `person-${i + 1}`]));
  const byAccount = new Map(options.people.map((p, i) => [`person-${i + 1}`, p]));
  const provider = await createProvider(issuer, client, byAccount);
  const callback = provider.callback();
  const interaction = interactions(provider, options.people, subjects);

  handle = (req, res) => {
    if ((req.url ?? "").startsWith("/interaction/")) {
      interaction(req, res).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(400, { "content-type": "text/plain" });
        res.end(`sign-in failed: ${error.message}`);
      });
      return;
    }
    callback(req, res);
  };

  return {
    issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    subjectOf: (email) => subjects.get(email.toLowerCase()) ?? "",
    stop: () => closeServer(server),
  };
}
