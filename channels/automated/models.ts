/**
 * Amazon Bedrock model identifiers as the automated channel takes them in config, and the ARNs
 * IAM needs for them. Pure.
 *
 * A reviewer names either a foundation model (`anthropic.claude-3-5-haiku-20241022-v1:0`) or a
 * geographic cross-Region inference profile, whose id is the model id with a geographic prefix
 * (`eu.anthropic.claude-3-5-haiku-20241022-v1:0`).
 * https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html
 *
 * Global profiles (`global.…`) are refused in config: invoking one needs `bedrock:InvokeModel` on
 * the Region-less foundation-model ARN `arn:aws:bedrock:::foundation-model/<id>`
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html), which
 * the policy pack's exact-ARN rule (policy/policies/iam-invoke-exact-targets.ts) does not accept.
 *
 * Converse needs `bedrock:InvokeModel` on the model it runs
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html). For an
 * inference profile that is the profile itself and the foundation model in every Region the
 * profile routes to ("the foundation model in all destination Regions listed in the geographic
 * profile": https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html);
 * the infra reads those Regions from the profile (GetInferenceProfile's `models`).
 */

/** The geographic prefixes of cross-Region inference profile ids. */
export const INFERENCE_PROFILE_PREFIXES = ["us", "us-gov", "eu", "apac", "jp", "au", "ca"] as const;

/** The prefix of global cross-Region inference profile ids, which this stack does not grant (see above). */
export const GLOBAL_PROFILE_PREFIX = "global";

/** Whether an id names a global cross-Region inference profile (`global.<model id>`). */
export const isGlobalProfileId = (id: string): boolean => id.startsWith(`${GLOBAL_PROFILE_PREFIX}.`);

/** `provider.model[:version[:variant]]`, optionally behind an inference profile's prefix. */
export const BEDROCK_MODEL_ID = /^[a-z0-9-]+\.[a-z0-9][a-z0-9.-]*(?::\d+(?::[a-z0-9]+)?)?$/;

export type ModelTarget =
  { kind: "foundationModel"; modelId: string } | { kind: "inferenceProfile"; profileId: string; modelId: string };

/** Whether a (valid) id names an inference profile, and the foundation model id behind it. */
export function modelTargetOf(id: string): ModelTarget {
  const [first, ...rest] = id.split(".");
  if ((INFERENCE_PROFILE_PREFIXES as readonly string[]).includes(first) && rest.length >= 2)
    return { kind: "inferenceProfile", profileId: id, modelId: rest.join(".") };
  return { kind: "foundationModel", modelId: id };
}

/** `arn:<partition>:bedrock:<region>::foundation-model/<id>`: foundation models have no account. */
export const foundationModelArn = (partition: string, region: string, modelId: string) =>
  `arn:${partition}:bedrock:${region}::foundation-model/${modelId}`;

export const inferenceProfileArn = (partition: string, region: string, account: string, profileId: string) =>
  `arn:${partition}:bedrock:${region}:${account}:inference-profile/${profileId}`;
