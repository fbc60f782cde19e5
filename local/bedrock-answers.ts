/**
 * What the local Bedrock stand-in (local/fake-bedrock-runtime.ts) answers, chosen by the sandbox's
 * `--bedrock-answer` flag or a small rules file (`--bedrock-rules FILE`), and by the tests. Pure:
 * the answers, their JSON form, and which one a Converse request gets.
 *
 * A rules file is JSON:
 *   { "rules": [ { "when": "rollback", "answer": { "decision": "approve", "comment": "Has a rollback plan." } },
 *                { "when": "drop table", "answer": { "decision": "reject", "comment": "Destructive migration." } } ],
 *     "default": { "text": "I would approve this." } }
 * `when` is a regular expression (case-insensitive) matched against the text of the request's
 * user turn (the JSON document of the request); `model` may restrict a rule to one model id.
 */

/** One answer of the stand-in, as the model (or Bedrock) would give it. */
export type StandInAnswer =
  /** The model calls the review tool with this decision and reasoning. */
  | { decision: "approve" | "reject"; comment?: string }
  /** The model calls the review tool with exactly this input (for answers outside the schema). */
  | { toolInput: unknown }
  /** The model writes text and calls no tool (stopReason end_turn). */
  | { text: string }
  /** The answer is blocked (stopReason content_filtered), with the model's refusal text. */
  | { refusal: string }
  /** Malformed output: the tool input as broken JSON text, or a response body that is not JSON. */
  | { malformed: "toolInput" | "body" }
  /** Bedrock fails the call with this error (ThrottlingException, ModelTimeoutException, ...). */
  | { error: string; message?: string }
  /** The answer, after a pause. */
  | { delayMs: number; then: StandInAnswer }
  /** One answer per call, in order; the last one repeats. */
  | { sequence: StandInAnswer[] };

export interface StandInRule {
  when?: string;
  model?: string;
  answer: StandInAnswer;
}

export interface StandInRules {
  rules: StandInRule[];
  default: StandInAnswer;
}

/** Bedrock's HTTP status for each Converse error (API reference, "Errors"). */
export const ERROR_STATUS: Record<string, number> = {
  AccessDeniedException: 403,
  InternalServerException: 500,
  ModelErrorException: 424,
  ModelNotReadyException: 429,
  ModelTimeoutException: 408,
  ResourceNotFoundException: 404,
  ServiceUnavailableException: 503,
  ThrottlingException: 429,
  ValidationException: 400,
};

/** The answer of `--bedrock-answer approve|reject`. */
export function flagAnswer(decision: string): StandInAnswer {
  if (decision !== "approve" && decision !== "reject")
    throw new RangeError(`--bedrock-answer must be approve or reject, got "${decision}"`);
  return {
    decision,
    comment: `The local Bedrock stand-in was told to ${decision} every request (--bedrock-answer ${decision}).`,
  };
}

/** Without a flag or rules: approve, saying so (the sandbox plays a model that finds nothing wrong). */
export const DEFAULT_ANSWER: StandInAnswer = {
  decision: "approve",
  comment:
    "The local Bedrock stand-in approves by default; choose its answers with --bedrock-answer or --bedrock-rules.",
};

function problemOf(answer: unknown, where: string): string | undefined {
  if (typeof answer !== "object" || answer === null || Array.isArray(answer)) return `${where} must be an object`;
  const a = answer as Record<string, unknown>;
  if ("decision" in a)
    return a.decision === "approve" || a.decision === "reject"
      ? undefined
      : `${where}.decision must be approve or reject`;
  if ("toolInput" in a) return undefined;
  if ("text" in a) return typeof a.text === "string" ? undefined : `${where}.text must be a string`;
  if ("refusal" in a) return typeof a.refusal === "string" ? undefined : `${where}.refusal must be a string`;
  if ("malformed" in a)
    return a.malformed === "toolInput" || a.malformed === "body"
      ? undefined
      : `${where}.malformed must be toolInput or body`;
  if ("error" in a)
    return typeof a.error === "string" && a.error in ERROR_STATUS
      ? undefined
      : `${where}.error must be one of ${Object.keys(ERROR_STATUS).join(", ")}`;
  if ("delayMs" in a)
    return typeof a.delayMs === "number" && a.delayMs >= 0
      ? problemOf(a.then, `${where}.then`)
      : `${where}.delayMs must be a number`;
  if ("sequence" in a)
    return Array.isArray(a.sequence) && a.sequence.length > 0
      ? a.sequence.map((s, i) => problemOf(s, `${where}.sequence[${i}]`)).find((p) => p !== undefined)
      : `${where}.sequence must be a non-empty list`;
  return `${where} must have decision, toolInput, text, refusal, malformed, error, delayMs or sequence`;
}

/** A rules file's content, checked; throws RangeError naming what is wrong. */
export function parseRules(text: string, file: string): StandInRules {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RangeError(`${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const doc = raw as { rules?: unknown; default?: unknown };
  const rules = doc?.rules ?? [];
  if (!Array.isArray(rules)) throw new RangeError(`${file}: "rules" must be a list`);
  const problems = rules.flatMap((rule: unknown, i) => {
    const r = rule as StandInRule;
    const found: string[] = [];
    if (r?.when !== undefined) {
      try {
        new RegExp(r.when, "i");
      } catch {
        found.push(`rules[${i}].when is not a regular expression`);
      }
    }
    const problem = problemOf(r?.answer, `rules[${i}].answer`);
    if (problem !== undefined) found.push(problem);
    return found;
  });
  const fallback = doc?.default ?? DEFAULT_ANSWER;
  const fallbackProblem = problemOf(fallback, "default");
  if (fallbackProblem !== undefined) problems.push(fallbackProblem);
  if (problems.length > 0) throw new RangeError(`${file}: ${problems.join("; ")}`);
  return { rules: rules as StandInRule[], default: fallback as StandInAnswer };
}

/** The answer a request gets: the first rule that matches its model and text, else the default. */
export function chooseAnswer(rules: StandInRules, modelId: string, text: string): StandInAnswer {
  const rule = rules.rules.find(
    (r) =>
      (r.model === undefined || r.model === modelId) && (r.when === undefined || new RegExp(r.when, "i").test(text)),
  );
  return rule?.answer ?? rules.default;
}
