/**
 * Stack config of the approval page's sign-in (`parallel-approval:signIn`) and of self-approval
 * (`parallel-approval:selfApproval`), checked with the rest of the config (core/config.ts). Pure.
 *
 * OpenID Connect requires the issuer to be an https URL without query or fragment
 * (https://openid.net/specs/openid-connect-discovery-1_0.html#IssuerDiscovery, and Core §2 "iss").
 */
import { z } from "zod";
import type { SelfApproval, SignInSettings } from "./settings";

export const SELF_APPROVAL_MODES: readonly SelfApproval[] = ["deny", "allow"];
export const DEFAULT_SELF_APPROVAL: SelfApproval = "deny";

export type Report = (where: string, message: string) => void;

/** An SSM parameter: its ARN, or a name (a path such as /team/oidc-secret, or a plain name). */
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[a-zA-Z0-9_.\-/]{1,2011}$/;
const PARAMETER_NAME = /^\/?[a-zA-Z0-9_.-]+(\/[a-zA-Z0-9_.-]+)*$/;

const signInSchema = z.strictObject({
  issuer: z.string({ error: "issuer is required: the OpenID Provider's issuer URL, e.g. https://accounts.google.com" }),
  clientId: z
    .string({ error: "clientId is required: the client id the OpenID Provider gave this approval page" })
    .min(1, { error: "clientId is required: the client id the OpenID Provider gave this approval page" }),
  clientSecretParameter: z
    .string({
      error:
        "clientSecretParameter is required: the name or ARN of the SSM SecureString parameter that holds the client secret",
    })
    .refine((value) => PARAMETER_ARN.test(value) || (PARAMETER_NAME.test(value) && value.length <= 2048), {
      error: "clientSecretParameter must be an SSM parameter name (such as /approvals/oidc-client-secret) or its ARN",
    }),
});

function issuerProblem(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return `issuer "${issuer}" is not a URL`;
  }
  if (url.protocol !== "https:") return `issuer "${issuer}" must be an https URL (OpenID Connect requires it)`;
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "")
    return `issuer "${issuer}" must have no query, fragment or credentials`;
  return undefined;
}

export function parseSignIn(value: unknown, where: string, report: Report): SignInSettings | undefined {
  if (value === undefined) return undefined;
  const parsed = signInSchema.safeParse(value);
  const issuer = (value as { issuer?: unknown } | null)?.issuer;
  const problem = typeof issuer === "string" ? issuerProblem(issuer) : undefined;
  if (problem !== undefined) report(`${where}.issuer`, problem);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.length > 0 ? `.${issue.path.join(".")}` : "";
      const message =
        issue.code === "unrecognized_keys"
          ? `unknown field(s) ${issue.keys.join(", ")}; signIn is { issuer, clientId, clientSecretParameter }`
          : issue.code === "invalid_type" && issue.path.length === 0
            ? "signIn must be an object { issuer, clientId, clientSecretParameter }"
            : issue.message;
      report(`${where}${field}`, message);
    }
    return undefined;
  }
  return problem === undefined ? parsed.data : undefined;
}

export function parseSelfApproval(value: unknown, where: string, report: Report): SelfApproval {
  if (value === undefined) return DEFAULT_SELF_APPROVAL;
  if (typeof value === "string" && (SELF_APPROVAL_MODES as readonly string[]).includes(value))
    return value as SelfApproval;
  report(where, `selfApproval must be "deny" (the default: requesters are not asked) or "allow"`);
  return DEFAULT_SELF_APPROVAL;
}
