/**
 * Sign-in in the sandbox (`npm start -- --sign-in`): a real OpenID Provider on loopback
 * (devkit/openid-provider.ts: oidc-provider, with every approver and backup as its users), its
 * client registered with the approval page's local callback, and the page function given what the
 * deployed stack gives it: the issuer and client id in its environment, the client secret and a
 * fresh session key in (local) SSM SecureString parameters it reads by ARN.
 */
import { ENV } from "../core/environment";
import { peopleOf } from "../core/definition-stages";
import { callbackUrlOf } from "../core/routes";
import type { SignInSettings, WorkflowSettings } from "../core/settings";
import { startOpenIdProvider, type LocalOpenIdProvider } from "../devkit/openid-provider";
import { newSessionKey, sessionKeyOf } from "../lambdas/approval-page/sign-in/session";
import type { StoredParameter } from "./fake-parameter-store";

export interface LocalSignIn {
  provider: LocalOpenIdProvider;
  settings: SignInSettings;
  /** The page function's sign-in variables. */
  environment: Record<string, string>;
  parameters: StoredParameter[];
  /** The session key (tests seal sessions with it, e.g. an expired one). */
  sessionKey: Uint8Array;
  stop(): Promise<void>;
}

export async function startLocalSignIn(
  settings: WorkflowSettings,
  pageUrl: string,
  region: string,
  account: string,
): Promise<LocalSignIn> {
  const people = peopleOf(settings)
    .filter((person) => person.email !== undefined)
    .map((person) => ({ email: person.email!, name: person.name }));
  const provider = await startOpenIdProvider({ people, redirectUris: [callbackUrlOf(pageUrl)] });
  const arn = (name: string) => `arn:aws:ssm:${region}:${account}:parameter/${name}`;
  const key = newSessionKey();
  const parameters: StoredParameter[] = [
    { name: "/sandbox/oidc-client-secret", arn: arn("sandbox/oidc-client-secret"), value: provider.clientSecret },
    { name: "/sandbox/session-key", arn: arn("sandbox/session-key"), value: key },
  ];
  return {
    provider,
    settings: { issuer: provider.issuer, clientId: provider.clientId, clientSecretParameter: parameters[0].arn },
    environment: {
      [ENV.signInIssuer]: provider.issuer,
      [ENV.signInClientId]: provider.clientId,
      [ENV.signInClientSecretParameter]: parameters[0].arn,
      [ENV.signInSessionKeyParameter]: parameters[1].arn,
    },
    parameters,
    sessionKey: sessionKeyOf(key),
    stop: () => provider.stop(),
  };
}
