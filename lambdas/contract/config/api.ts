/**
 * API Gateway's own throttling of the HTTP API's default stage: the account-wide ceiling in front
 * of the per-write-key limits of the track function (docs/tracking.md "Rate limits"). Read by the
 * CDK (context values apiThrottleRate, apiThrottleBurst); no function reads them.
 */
import { integer } from './setting.ts';

/** API Gateway's default regional quota is 10,000 requests/s with bursts of 5,000. */
export const API_STAGE = {
  /** Steady requests per second across every route of the stage. */
  throttleRate: integer('TALLY_API_THROTTLE_RATE', 5_000, 1, 10_000),
  /** Requests API Gateway lets through at once above the rate (its token bucket). */
  throttleBurst: integer('TALLY_API_THROTTLE_BURST', 2_500, 1, 5_000),
} as const;
