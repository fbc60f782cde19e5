/** The bench's automated-review pricing: the arithmetic, what it counts, and that its model price names its source and date. */
import { strict as assert } from "node:assert";
import {
  BEDROCK_MODEL_PRICE,
  inputTokensOf,
  measureAutomatedReview,
  renderAutomatedReview,
  sampleReviewerInput,
  tokensUsdPer1000,
} from "../bench/automated-review";

describe("bench: automated review cost", () => {
  it("prices tokens per 1,000 requests at the named model's input and output rates", () => {
    // 1,000 requests x (1,000 in x $0.80/1M + 100 out x $4/1M) = $0.80 + $0.40
    assert.equal(tokensUsdPer1000(1000, 100).toFixed(6), "1.200000");
    assert.equal(tokensUsdPer1000(0, 0), 0);
  });

  it("states the model, the AWS pricing page as its price's only source, and the date the price is as of", () => {
    assert.match(BEDROCK_MODEL_PRICE.model, /Claude 3\.5 Haiku/);
    assert.equal(BEDROCK_MODEL_PRICE.source, "https://aws.amazon.com/bedrock/pricing/");
    assert.match(BEDROCK_MODEL_PRICE.asOf, /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual(Object.keys(BEDROCK_MODEL_PRICE).sort(), [
      "asOf",
      "inputUsdPer1M",
      "model",
      "outputUsdPer1M",
      "source",
    ]);
  });

  it("estimates input tokens from the request the shipped reviewer really sends: longer details, more tokens", () => {
    const base = inputTokensOf(sampleReviewerInput());
    const longer = sampleReviewerInput();
    longer.request.details = `${longer.request.details}\n${"x".repeat(4000)}`;
    assert.ok(base > 300, "system prompt, document and tool schema");
    assert.ok(Math.abs(inputTokensOf(longer) - base - 1000) <= 1, "4,000 more characters, ~1,000 more tokens");
  });

  it("counts two Lambda invocations per Bedrock review (ask function and reviewer) and one per function review", async () => {
    const review = await measureAutomatedReview(2);
    assert.deepEqual(
      review.bedrock.work.lambdas.map((l) => l.name),
      ["automated-review", "bedrock-reviewer"],
    );
    assert.deepEqual(
      review.functionReviewer.work.lambdas.map((l) => l.name),
      ["automated-review"],
    );
    assert.equal(review.bedrock.work.stateTransitions, 1);
    assert.ok(review.bedrock.tokensUsd.worstCase > review.bedrock.tokensUsd.typical);
    assert.ok(
      renderAutomatedReview(review).includes(
        `list price as of ${BEDROCK_MODEL_PRICE.asOf}: https://aws.amazon.com/bedrock/pricing/`,
      ),
      "the printed price says what date it is as of, and where it comes from",
    );
  });
});
