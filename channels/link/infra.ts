/**
 * The link channel's resources: the approval page (its function behind the HTTPS endpoint) and
 * the notify function that emails each approver their link. Both read the request store; the
 * page answers waiting tasks; notify may publish to, and list the subscriptions of, exactly the
 * link approvers' topics.
 */
import { ENV } from "../../core/environment";
import { ApprovalEndpoint } from "../../components/approval-endpoint";
import type { ChannelInfra } from "../infra-types";
import { LINK_GRANT, linkChannel } from "./spec";
import { prepareSignIn } from "./sign-in-infra";
import { callbackUrlOf } from "../../core/routes";

const [notifySpec, pageSpec] = linkChannel.functions;

/** The page's default throttle: steady requests per second across the API, and the burst above it. */
export const DEFAULT_PAGE_THROTTLE = { rateLimit: 10, burstLimit: 20 };

export const linkInfra: ChannelInfra = {
  prepare(ctx) {
    // One statement for both actions: each topic ARN is listed once, which keeps the notify role's
    // policy under IAM's 10,240-character limit for inline policies at MAX_APPROVERS topics.
    ctx.grants.expose(LINK_GRANT.approverTopics, {
      sid: "ReachApproverTopics",
      // ListSubscriptionsByTopic: notify checks the approver's subscription is confirmed before asking.
      actions: ["sns:ListSubscriptionsByTopic", "sns:Publish"],
      resources: ctx.approvers.map((approver) => ctx.topics.get(approver.name)!.arn),
    });
    prepareSignIn(ctx, ctx.settings.signIn);
  },

  create(ctx) {
    const page = ctx.functions.create(pageSpec, ctx.parent);
    const endpoint = new ApprovalEndpoint(
      `${ctx.name}-page`,
      {
        functionArn: page.arn,
        functionName: page.name,
        throttle: ctx.options.pageThrottle ?? DEFAULT_PAGE_THROTTLE,
        logRetentionDays: ctx.logRetentionDays,
        signIn: ctx.settings.signIn !== undefined,
      },
      { parent: ctx.parent },
    );
    ctx.functions.provide(ENV.approvalPageUrl, endpoint.url);
    ctx.functions.create(notifySpec, ctx.parent);
    const signInCallbackUrl = endpoint.url.apply(callbackUrlOf);
    return {
      outputs: {
        approvalPageUrl: endpoint.url,
        ...(ctx.settings.signIn === undefined ? {} : { signInCallbackUrl }),
      },
    };
  },
};
