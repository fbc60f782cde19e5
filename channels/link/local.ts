/**
 * The link channel in the sandbox: its approval page is served by the sandbox's page server
 * through the API Gateway stand-in, so all this adds is knowing when an approver was asked: the
 * email SNS would deliver holds their link, whose ask says which stage it is for.
 */
import { askIdOfPath } from "../../core/routes";
import type { LocalChannelFactory } from "../local-types";

export const linkLocal: LocalChannelFactory = {
  async start(ctx) {
    return {
      endpoints: {},
      environment: {},
      routes: [],
      onPublish(message, approver) {
        const link = message.message.split(/\s+/).find((word) => word.startsWith(`${ctx.pageUrl}r/`));
        const askId = link === undefined ? undefined : askIdOfPath(link.slice(ctx.pageUrl.length - 1));
        if (link === undefined || askId === undefined) {
          ctx.emit({ type: "warning", message: `the email to ${approver.name} holds no approval link` });
          return;
        }
        void ctx.store.getAsk(askId).then(
          (ask) => {
            if (ask === undefined)
              ctx.emit({ type: "warning", message: `${approver.name} was emailed a link with no ask behind it` });
            else
              ctx.asked({
                requestId: ask.requestId,
                stage: ask.stage,
                approver: approver.name,
                channel: "link",
                address: approver.address,
                recipient: approver.email!,
                link,
                email: message,
              });
          },
          // The store stopped first (the sandbox is stopping): there is nobody left to tell.
          () => undefined,
        );
      },
      async stop() {},
    };
  },
};
