/**
 * The approval email's automated advice: what automated reviewers in `advice` mode said in this
 * stage (so far) and the stages before it, one entry per review, as plain text.
 */
import { adviceHeadline, type AdviceEntry } from "../../core/advice";

export function adviceLines(advice: readonly AdviceEntry[] | undefined, stageIndex: number): string[] {
  if (advice === undefined || advice.length === 0) return [];
  return [
    "",
    "Automated advice (it does not count toward the quorum):",
    ...advice.map((entry) => {
      const { verdict, text } = adviceHeadline(entry);
      const where = entry.stage === stageIndex ? "this stage" : `stage ${entry.stage + 1}, ${entry.stageName}`;
      return `- ${verdict}${text ? ` — ${text}` : ""} (${entry.reviewer}, ${where})`;
    }),
  ];
}
