/**
 * The link channel's kind, as approvers, asks and decisions name it. A file of its own so that a
 * handler can stamp the kind without bundling spec.ts (zod and the config rules).
 */
export const LINK = "link";
