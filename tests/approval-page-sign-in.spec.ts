/**
 * Sign-in on the approval page (lambdas/approval-page/sign-in/*) against a real OpenID Provider
 * on loopback (oidc-provider, devkit/openid-provider.ts), the workflow executed locally with the
 * real handlers against dynalite. GET still only shows; POST needs a session from a verified ID
 * token whose email is the one the link went to, and the form's CSRF token; the decision records
 * the verified email and the identity { issuer, subject }.
 */
import { strict as assert } from "node:assert";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { eligibilityOf } from "../core/eligibility";
import type { ExecutionOutput } from "../core/model";
import type { RequestStore } from "../core/ports";
import { useLocalRequestStore } from "../devkit/dynalite";
import { startOpenIdProvider, type LocalOpenIdProvider } from "../devkit/openid-provider";
import type { SignIn } from "../lambdas/approval-page/sign-in/flow";
import {
  newSessionKey,
  seal,
  SESSION_COOKIE,
  sessionKeyOf,
  unseal,
  type Session,
} from "../lambdas/approval-page/sign-in/session";
import type { LocalExecution } from "../local/state-machine-runner";
import { httpEvent, FORM } from "./helpers/page-events";
import { pageText } from "./helpers/page-text";
import { LocalApprovalWorkflow, linkApprover, linkStage } from "./helpers/local-approval-workflow";

const CALLBACK = "https://pages.example.com/auth/callback";

/** Follows the provider's redirects with a cookie jar, choosing `email` on its login page, up to the callback. */
async function throughProvider(authorizationUrl: string, email: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  let body: string | undefined;
  for (let hop = 0; hop < 12; hop++) {
    const response = await fetch(url, {
      method: body === undefined ? "GET" : "POST",
      redirect: "manual",
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
        ...(body === undefined ? {} : { "content-type": FORM }),
      },
      body,
    });
    body = undefined;
    for (const set of response.headers.getSetCookie()) {
      const [pair] = set.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = response.headers.get("location");
    if (location !== null) {
      const next = new URL(location, url).href;
      if (next.startsWith(CALLBACK)) return next;
      url = next;
      continue;
    }
    const html = await response.text();
    const action = /action="([^"]+)"/.exec(html)?.[1];
    assert.ok(action, `no login form at ${url}: ${response.status} ${html.slice(0, 200)}`);
    url = new URL(action, url).href;
    body = new URLSearchParams({ login: email }).toString();
  }
  throw new Error("the provider never returned to the callback");
}

const cookiesOf = (response: APIGatewayProxyStructuredResultV2) =>
  (response.cookies ?? []).map((c) => c.split(";")[0]).filter((c) => !c.endsWith("="));

describe("approval page sign-in, against a real OpenID Provider", function () {
  this.timeout(30_000);
  let store: RequestStore;
  useLocalRequestStore((local) => (store = local.store));
  let provider: LocalOpenIdProvider;
  const sessionKey = sessionKeyOf(newSessionKey());
  let signIn: SignIn;
  before(async () => {
    provider = await startOpenIdProvider({
      people: [
        { email: "finance@example.com", name: "Finance" },
        { email: "security@example.com", name: "Security" },
        { email: "ci@example.com", name: "The requester" },
        // A provider that has not verified this person's email (email_verified: false in the ID token).
        { email: "unverified@example.com", name: "Unverified", emailVerified: false },
      ],
      redirectUris: [CALLBACK],
    });
    signIn = {
      oidc: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret },
      sessionKey,
    };
  });
  after(() => provider.stop());
  const started: LocalExecution[] = [];
  afterEach(() => {
    for (const execution of started.splice(0)) execution.abort();
  });

  async function start(approvers = ["finance", "security"], addresses: Record<string, string> = {}) {
    const workflow = new LocalApprovalWorkflow(store, { signIn: async () => signIn });
    const stage = {
      ...linkStage("owners", approvers, 1),
      approvers: approvers.map((name) => {
        const address = addresses[name];
        return address === undefined ? linkApprover(name) : { ...linkApprover(name), address, email: address };
      }),
    };
    const execution = workflow.start([stage], {
      subject: "Deploy v2",
      requestedBy: "ci@example.com",
    });
    started.push(execution);
    await workflow.untilEmailed(approvers.length);
    return { workflow, execution };
  }

  const get = (path: string, cookies: string[] = [], query = "") =>
    ({ ...httpEvent({ method: "GET", path }), rawQueryString: query, cookies }) as APIGatewayProxyEventV2;
  const post = (askId: string, form: Record<string, string>, cookies: string[]) =>
    ({
      ...httpEvent({ method: "POST", id: askId, body: new URLSearchParams(form).toString(), contentType: FORM }),
      cookies,
    }) as APIGatewayProxyEventV2;

  /** Signs in through the provider from the link's page; the session cookie. */
  async function signInAs(workflow: LocalApprovalWorkflow, askId: string, email: string): Promise<string[]> {
    const started = await workflow.page(get(`/r/${askId}/sign-in`));
    assert.equal(started.statusCode, 303);
    const location = String(started.headers?.Location);
    const auth = new URL(location);
    assert.equal(auth.searchParams.get("code_challenge_method"), "S256");
    assert.ok(auth.searchParams.get("state") && auth.searchParams.get("nonce"), "state and nonce sent");
    assert.match(String(started.cookies), /HttpOnly; Secure; SameSite=Lax/);
    const callback = new URL(await throughProvider(location, email));
    const back = await workflow.page(get("/auth/callback", cookiesOf(started), callback.search.slice(1)));
    assert.equal(back.statusCode, 303, pageText(String(back.body)));
    assert.equal(back.headers?.Location, `/r/${askId}`);
    const session = cookiesOf(back);
    assert.ok(session[0].startsWith(`${SESSION_COOKIE}=`));
    return session;
  }

  const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";

  it("GET without a session shows the request and a sign-in button, no form; a POST without a session records nothing", async () => {
    const { workflow } = await start();
    const link = workflow.linkOf("finance", 0);
    const page = await workflow.page(get(`/r/${link}`));
    assert.equal(page.statusCode, 200);
    assert.match(pageText(String(page.body)), /Sign in to decide/);
    assert.doesNotMatch(String(page.body), /name="decision"/);
    const refused = await workflow.page(post(link, { decision: "approve" }, []));
    assert.equal(refused.statusCode, 401);
    const request = await store.getRequest((await store.getAsk(link))!.requestId);
    assert.deepEqual(request!.stages[0].votes, {});
  });

  it("signed in as the approver: the form carries a CSRF token, and the decision records the verified identity", async () => {
    const { workflow, execution } = await start();
    const link = workflow.linkOf("finance", 0);
    const session = await signInAs(workflow, link, "FINANCE@example.com".toLowerCase());
    const page = await workflow.page(get(`/r/${link}`, session));
    assert.match(pageText(String(page.body)), /Signed in as finance@example\.com/);
    const csrf = csrfOf(String(page.body));
    assert.ok(csrf.length > 20);
    const wrongCsrf = await workflow.page(post(link, { decision: "approve", csrf: "x" + csrf.slice(1) }, session));
    assert.equal(wrongCsrf.statusCode, 403);
    const decided = await workflow.page(post(link, { decision: "approve", csrf }, session));
    assert.equal(decided.statusCode, 200, pageText(String(decided.body)));
    const output = (await execution.result).output as ExecutionOutput;
    const finance = output.decisions.find((d) => d.approver === "finance")!;
    assert.equal(finance.decidedBy, "finance@example.com");
    assert.deepEqual(finance.identity, { issuer: provider.issuer, subject: provider.subjectOf("finance@example.com") });
  });

  it("signed in as someone else: 403 saying who is signed in and who may decide, nothing recorded", async () => {
    const { workflow } = await start();
    const link = workflow.linkOf("finance", 0);
    const session = await signInAs(workflow, link, "security@example.com");
    const page = await workflow.page(get(`/r/${link}`, session));
    assert.equal(page.statusCode, 403);
    assert.match(pageText(String(page.body)), /signed in as security@example\.com ?\. Only finance@example\.com/);
    // The CSRF token of the session, from the person's own link.
    const own = await workflow.page(get(`/r/${workflow.linkOf("security", 0)}`, session));
    const refused = await workflow.page(post(link, { decision: "approve", csrf: csrfOf(String(own.body)) }, session));
    assert.equal(refused.statusCode, 403);
    assert.match(pageText(String(refused.body)), /Only finance@example\.com \(finance\) may decide/);
    const request = await store.getRequest((await store.getAsk(link))!.requestId);
    assert.deepEqual(request!.stages[0].votes, {});
  });

  it("a tampered or expired session, or one sealed with another key, means signing in again", async () => {
    const { workflow } = await start();
    const link = workflow.linkOf("finance", 0);
    const [session] = await signInAs(workflow, link, "finance@example.com");
    const csrf = csrfOf(String((await workflow.page(get(`/r/${link}`, [session]))).body));
    const value = session.slice(SESSION_COOKIE.length + 1);
    const tampered = `${SESSION_COOKIE}=${value.slice(0, -3)}${value.slice(-3) === "AAA" ? "BBB" : "AAA"}`;
    const person = { email: "finance@example.com", issuer: provider.issuer, subject: "x", csrf };
    const expired = `${SESSION_COOKIE}=${await seal("session", person, sessionKey, new Date(Date.now() - 3600_000))}`;
    const otherKey = `${SESSION_COOKIE}=${await seal("session", person, sessionKeyOf(newSessionKey()), new Date())}`;
    for (const cookie of [tampered, expired, otherKey]) {
      const shown = await workflow.page(get(`/r/${link}`, [cookie]));
      assert.match(pageText(String(shown.body)), /Sign in to decide/);
      const refused = await workflow.page(post(link, { decision: "approve", csrf }, [cookie]));
      assert.equal(refused.statusCode, 401);
      assert.match(pageText(String(refused.body)), /Sign in again/);
    }
    const request = await store.getRequest((await store.getAsk(link))!.requestId);
    assert.deepEqual(request!.stages[0].votes, {});
  });

  it("signed in as the requester on a link sent to them: refused unless the request allows self-approval", async () => {
    // Defence in depth: open-request does not ask the requester; a link to their address (e.g. from
    // a request opened before the rule) still cannot decide when they sign in.
    const { workflow } = await start(["finance", "security"]);
    const link = workflow.linkOf("finance", 0);
    const ask = (await store.getAsk(link))!;
    const request = (await store.getRequest(ask.requestId))!;
    assert.equal(request.requestedBy, "ci@example.com");
    // A session for the requester's email on a link sent to that very email is refused as self-approval.
    const requesterAsk = { ...ask, address: "ci@example.com" };
    assert.deepEqual(
      eligibilityOf(request, requesterAsk.stage, requesterAsk.approver, requesterAsk.deadline, new Date(), {
        email: "CI@example.com",
        address: requesterAsk.address,
      }),
      { kind: "requester", signedIn: "CI@example.com" },
    );
    assert.deepEqual(
      eligibilityOf(
        { ...request, selfApproval: "allow" },
        requesterAsk.stage,
        requesterAsk.approver,
        requesterAsk.deadline,
        new Date(),
        { email: "ci@example.com", address: requesterAsk.address },
      ),
      { kind: "eligible" },
    );
  });
  it("an approver configured as Finance@Example.COM may decide signed in as finance@example.com: emails compare case-insensitively", async () => {
    const { workflow, execution } = await start(["finance", "security"], { finance: "Finance@Example.COM" });
    const link = workflow.linkOf("finance", 0);
    assert.equal((await store.getAsk(link))!.address, "Finance@Example.COM");
    const session = await signInAs(workflow, link, "finance@example.com");
    const page = await workflow.page(get(`/r/${link}`, session));
    assert.equal(page.statusCode, 200, pageText(String(page.body)));
    const decided = await workflow.page(post(link, { decision: "approve", csrf: csrfOf(String(page.body)) }, session));
    assert.equal(decided.statusCode, 200, pageText(String(decided.body)));
    const output = (await execution.result).output as ExecutionOutput;
    assert.equal(output.decisions.find((d) => d.approver === "finance")!.decidedBy, "finance@example.com");
  });

  it("an ID token with email_verified false is refused: the sign-in failed page, no session, nothing recorded", async () => {
    const { workflow } = await start(["unverified", "security"]);
    const link = workflow.linkOf("unverified", 0);
    const started = await workflow.page(get(`/r/${link}/sign-in`));
    const callback = new URL(await throughProvider(String(started.headers?.Location), "unverified@example.com"));
    const back = await workflow.page(get("/auth/callback", cookiesOf(started), callback.search.slice(1)));
    // The page answers every unverifiable sign-in with its "Sign-in failed" page (status 400).
    assert.equal(back.statusCode, 400);
    const text = pageText(String(back.body));
    assert.match(text, /Sign-in failed/);
    assert.match(text, /has not verified the email unverified@example\.com/);
    assert.match(text, /Nothing was recorded/);
    assert.deepEqual(cookiesOf(back), [], "no session cookie");
    const refused = await workflow.page(post(link, { decision: "approve" }, cookiesOf(back)));
    assert.equal(refused.statusCode, 401);
    const request = await store.getRequest((await store.getAsk(link))!.requestId);
    assert.deepEqual(request!.stages[0].votes, {});
  });

  it("signed in as the requester on a link sent to their own address: the 403 page says it is their own request, nothing recorded", async () => {
    const { workflow } = await start(["finance", "security"]);
    const link = workflow.linkOf("finance", 0);
    const ask = (await store.getAsk(link))!;
    // A link that went to the requester's address (e.g. a request opened before the rule): the same ask, readdressed.
    const readdressed = await store.putAsk({
      requestId: ask.requestId,
      stage: ask.stage,
      approver: ask.approver,
      address: "ci@example.com",
      channel: "link",
      taskToken: "token-readdressed",
      deadline: ask.deadline,
      createdAt: new Date().toISOString(),
    });
    assert.ok(readdressed.kind === "stored" && readdressed.askId === link);
    const session = await signInAs(workflow, link, "ci@example.com");
    const page = await workflow.page(get(`/r/${link}`, session));
    assert.equal(page.statusCode, 403);
    assert.match(pageText(String(page.body)), /You cannot approve your own request\./);
    assert.doesNotMatch(String(page.body), /name="decision"/);
    const { csrf } = (await unseal<Session>(
      "session",
      session[0].slice(SESSION_COOKIE.length + 1),
      sessionKey,
      new Date(),
    ))!;
    const refused = await workflow.page(post(link, { decision: "approve", csrf }, session));
    assert.equal(refused.statusCode, 403);
    assert.match(pageText(String(refused.body)), /You cannot approve your own request\./);
    const request = await store.getRequest(ask.requestId);
    assert.deepEqual(request!.stages[0].votes, {});
  });
});
