/**
 * The page's sign-in settings as deployed: issuer and client id in its environment, the client
 * secret and the session key in SSM SecureString parameters it may read by exact ARN
 * (GetParameter with decryption; the aws/ssm key lets every principal of the account decrypt,
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html).
 * Read once per container.
 */
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { ENV } from "../../../core/environment";
import { ssmClient } from "../../adapters/ssm-client";
import type { SignIn } from "./flow";
import { sessionKeyOf } from "./session";

export type ReadSecret = (parameterArn: string) => Promise<string>;

export const ssmSecret: ReadSecret = async (name) => {
  const out = await ssmClient().send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  const value = out.Parameter?.Value;
  if (value === undefined || value === "") throw new Error(`SSM parameter ${name} has no value`);
  return value;
};

/** Sign-in from the environment, or undefined when the stack has none (SIGN_IN_ISSUER unset). */
export function signInFromEnv(
  env: Record<string, string | undefined> = process.env,
  read: ReadSecret = ssmSecret,
): (() => Promise<SignIn>) | undefined {
  const issuer = env[ENV.signInIssuer];
  if (issuer === undefined || issuer === "") return undefined;
  const required = (name: string) => {
    const value = env[name];
    if (value === undefined || value === "") throw new Error(`${name} is not set`);
    return value;
  };
  const clientId = required(ENV.signInClientId);
  const secretArn = required(ENV.signInClientSecretParameter);
  const keyArn = required(ENV.signInSessionKeyParameter);
  let loaded: Promise<SignIn> | undefined;
  return () => {
    loaded ??= Promise.all([read(secretArn), read(keyArn)]).then(([clientSecret, key]) => ({
      oidc: { issuer, clientId, clientSecret },
      sessionKey: sessionKeyOf(key),
    }));
    // A failed read is tried again on the next request.
    loaded.catch(() => (loaded = undefined));
    return loaded;
  };
}
