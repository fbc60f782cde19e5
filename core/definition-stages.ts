/**
 * The stages as the definition builder takes them, from the validated settings and each person's
 * topic ARN. One mapping for the deployed stack (components/approval-workflow.ts, once the topic
 * ARNs are known) and the sandbox (local/sandbox.ts), so both run the same definition. Pure.
 */
import type { DefinitionStage } from "./definition";
import type { ApproverSettings, WorkflowSettings } from "./settings";

/** Every person who gets an email topic: the approvers, then the backups, each name once. */
export function peopleOf(settings: WorkflowSettings): ApproverSettings[] {
  const people = new Map<string, ApproverSettings>();
  for (const approver of settings.stages.flatMap((stage) => stage.approvers))
    if (!people.has(approver.name)) people.set(approver.name, approver);
  for (const approver of settings.stages.flatMap((stage) => stage.approvers)) {
    const backup = approver.backup;
    if (backup === undefined || people.has(backup.name)) continue;
    people.set(backup.name, {
      name: backup.name,
      channel: approver.channel,
      mode: "vote",
      address: backup.email,
      email: backup.email,
      options: {},
    });
  }
  return [...people.values()];
}

export function definitionStagesOf(
  settings: WorkflowSettings,
  topicArns: Readonly<Record<string, string | undefined>>,
): DefinitionStage[] {
  return settings.stages.map((stage) => {
    const out: DefinitionStage = {
      name: stage.name,
      quorum: stage.quorum,
      timeoutSeconds: stage.timeoutSeconds,
      approvers: stage.approvers.map(({ name, channel, mode, address, email, options, backup }) => {
        const topicArn = topicArns[name];
        const backupTopic = backup === undefined ? undefined : topicArns[backup.name];
        return {
          name,
          channel,
          mode,
          address,
          options,
          ...(email === undefined ? {} : { email }),
          ...(topicArn === undefined ? {} : { topicArn }),
          ...(backup === undefined || backupTopic === undefined
            ? {}
            : {
                backup: {
                  name: backup.name,
                  email: backup.email,
                  topicArn: backupTopic,
                  escalateAfterSeconds: backup.escalateAfterSeconds,
                },
              }),
        };
      }),
    };
    if (stage.remindEverySeconds !== undefined) out.remindEverySeconds = stage.remindEverySeconds;
    return out;
  });
}
