/** What notify-approver's first ask (index.ts) and its follow-ups (follow-up.ts) are given and return. */
import type { RequestStore } from "../../core/ports";
import type { ApprovalEmail } from "./message";

export type Publish = (topicArn: string, email: ApprovalEmail) => Promise<void>;
export type IsReachable = (topicArn: string, email: string) => Promise<boolean>;

export interface NotifyDeps {
  store: RequestStore;
  publish: Publish;
  isReachable: IsReachable;
  approvalPageUrl: string;
  now?: () => Date;
}

export type NotifyResult = { notified: true } | { notified: false; reason: "requestNotOpen" | "stageEnded" };
