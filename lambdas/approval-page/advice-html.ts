/**
 * The approval page's "Automated advice" section: what automated reviewers in `advice` mode said
 * about the request in this stage and the stages before it ("Automated review: reject — <reasoning>").
 * It does not count toward any quorum; the page says so. All of it is the reviewer's text, escaped.
 */
import { adviceHeadline, type AdviceEntry } from "../../core/advice";
import { escapeHtml, showText, timeHtml } from "./html";

export function adviceHtml(advice: readonly AdviceEntry[] | undefined, stageIndex: number): string {
  if (advice === undefined || advice.length === 0) return "";
  const items = advice.map((entry) => {
    const { verdict, text } = adviceHeadline(entry);
    const where = entry.stage === stageIndex ? "this stage" : `stage ${entry.stage + 1}, ${entry.stageName}`;
    return `<li><strong>${escapeHtml(verdict)}</strong>${text ? ` — ${showText(text)}` : ""} <span class="hint">(${escapeHtml(entry.reviewer)}, ${escapeHtml(where)}, ${timeHtml(entry.decidedAt)})</span></li>`;
  });
  return `<h2>Automated advice</h2><p class="hint">Given by automated reviewers; it does not count toward any quorum.</p><ul class="others">${items.join("\n")}</ul>`;
}
