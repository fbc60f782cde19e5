/**
 * List prices the benchmark's cost figures use: us-east-1, on-demand, no free tier. Each price
 * names its source and the date it was recorded, and is printed with the results, so a reader
 * can redo the arithmetic or update a price without reading any other code.
 */

export interface Price {
  /** US dollars per `per` units of `unit`. */
  usd: number;
  per: number;
  unit: string;
  source: string;
}

/** When these prices were recorded (from the project's baseline notes, ../shared/baselines/README.md). */
export const PRICES_RECORDED_ON = "2026-11-26";
export const PRICE_REGION = "us-east-1";

const STEP_FUNCTIONS = "https://aws.amazon.com/step-functions/pricing/";
const LAMBDA = "https://aws.amazon.com/lambda/pricing/";
const DYNAMODB = "https://aws.amazon.com/dynamodb/pricing/on-demand/";
const SNS = "https://aws.amazon.com/sns/pricing/";
const SSM = "https://aws.amazon.com/systems-manager/pricing/";
const API_GATEWAY = "https://aws.amazon.com/api-gateway/pricing/";

export const PRICES = {
  stateTransition: { usd: 0.025, per: 1_000, unit: "state transition (Standard workflow)", source: STEP_FUNCTIONS },
  lambdaRequest: { usd: 0.2, per: 1_000_000, unit: "Lambda request", source: LAMBDA },
  lambdaGbSecondArm64: { usd: 0.0000133334, per: 1, unit: "GB-second (arm64)", source: LAMBDA },
  lambdaGbSecondX86: { usd: 0.0000166667, per: 1, unit: "GB-second (x86_64)", source: LAMBDA },
  dynamoWriteUnit: { usd: 0.625, per: 1_000_000, unit: "DynamoDB write request unit (on-demand)", source: DYNAMODB },
  dynamoReadUnit: { usd: 0.125, per: 1_000_000, unit: "DynamoDB read request unit (on-demand)", source: DYNAMODB },
  snsEmail: { usd: 2.0, per: 100_000, unit: "SNS email notification", source: SNS },
  ssmAutomationStep: { usd: 0.002, per: 1, unit: "SSM Automation step (beyond the free tier)", source: SSM },
  // Not in the baseline notes: added because every approval page view and decision is an HTTP API
  // request, and leaving it out would flatter this workflow against baselines that have no page.
  httpApiRequest: {
    usd: 1.0,
    per: 1_000_000,
    unit: "API Gateway HTTP API request (first 300M/month)",
    source: API_GATEWAY,
  },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;

/** Dollars for `quantity` units at `price`. */
export function priceOf(price: Price, quantity: number): number {
  return (price.usd / price.per) * quantity;
}
