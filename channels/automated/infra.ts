/**
 * The automated channel's resources: its ask function (automated-review), which the state machine
 * invokes and which may invoke exactly the configured reviewer functions, and, when a stack has a
 * Bedrock reviewer, the shipped Bedrock reviewer function, which may run exactly the configured
 * models. Neither has anything else: the reviewer functions cannot write to the request store, the
 * Bedrock reviewer cannot invoke any other model or function.
 *
 * Least privilege for models: Converse needs `bedrock:InvokeModel` on the model
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html). A foundation
 * model is granted by its ARN in the stack's Region. A cross-Region inference profile needs the
 * profile and the foundation model in every Region the profile routes to
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html,
 * "IAM policy requirements"): those ARNs are read from the profile itself at deployment
 * (GetInferenceProfile's `models`, so the deploying role needs bedrock:GetInferenceProfile), and
 * are granted only through that profile (`bedrock:InferenceProfileArn`), so the role cannot call
 * those models directly in any Region.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ENV } from "../../core/environment";
import type { Permission } from "../../components/permissions";
import type { ChannelInfra } from "../infra-types";
import { foundationModelArn, inferenceProfileArn, modelTargetOf } from "./models";
import { AUTOMATED_GRANT, automatedChannel, bedrockModelsOf, reviewerFunctionsOf } from "./spec";

const [reviewSpec, bedrockSpec] = automatedChannel.functions;

/** `bedrock:InvokeModel` on exactly these models (foundation models, or profiles and what they route to). */
export function modelPermissions(models: string[], parent: pulumi.Resource): Permission[] {
  const region = aws.getRegionOutput({}, { parent }).region;
  const partition = aws.getPartitionOutput({}, { parent }).partition;
  const account = aws.getCallerIdentityOutput({}, { parent }).accountId;
  const targets = models.map(modelTargetOf);
  const permissions: Permission[] = [];
  const foundation = targets.flatMap((t) => (t.kind === "foundationModel" ? [t.modelId] : []));
  if (foundation.length > 0)
    permissions.push({
      sid: "InvokeConfiguredModels",
      actions: ["bedrock:InvokeModel"],
      resources: foundation.map((id) =>
        pulumi.all([partition, region]).apply(([p, r]) => foundationModelArn(p, r, id)),
      ),
    });
  targets.forEach((target, index) => {
    if (target.kind !== "inferenceProfile") return;
    const profileArn = pulumi
      .all([partition, region, account])
      .apply(([p, r, a]) => inferenceProfileArn(p, r, a, target.profileId));
    const profile = aws.bedrock.getInferenceProfileOutput({ inferenceProfileId: target.profileId }, { parent });
    permissions.push(
      { sid: `InvokeInferenceProfile${index}`, actions: ["bedrock:InvokeModel"], resources: [profileArn] },
      {
        sid: `InvokeModelsOfInferenceProfile${index}`,
        actions: ["bedrock:InvokeModel"],
        // One foundation-model ARN per Region the profile routes to, as AWS lists them.
        resources: [profile.models.apply((routed) => routed.map((m) => m.modelArn))],
        condition: profileArn.apply((arn) => ({ ArnEquals: { "bedrock:InferenceProfileArn": arn } })),
      },
    );
  });
  return permissions;
}

export const automatedInfra: ChannelInfra = {
  prepare() {},

  create(ctx) {
    const models = bedrockModelsOf(ctx.approvers);
    let bedrockReviewerArn: pulumi.Output<string> | undefined;
    if (models.length > 0) {
      ctx.grants.expose(AUTOMATED_GRANT.invokeModels, ...modelPermissions(models, ctx.parent));
      bedrockReviewerArn = ctx.functions.create(bedrockSpec, ctx.parent).arn;
    }
    // Empty when no Bedrock reviewer is configured: automated-review then never needs it.
    ctx.functions.provide(ENV.bedrockReviewerFunction, bedrockReviewerArn ?? "");
    ctx.grants.expose(AUTOMATED_GRANT.invokeReviewers, {
      sid: "InvokeConfiguredReviewers",
      actions: ["lambda:InvokeFunction"],
      resources: [
        ...reviewerFunctionsOf(ctx.approvers),
        ...(bedrockReviewerArn === undefined ? [] : [bedrockReviewerArn]),
      ],
    });
    ctx.functions.create(reviewSpec, ctx.parent);
    return { outputs: {} };
  },
};
