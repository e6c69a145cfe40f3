/**
 * The behavioural segments of `user-segments` (docs/api-product-analytics.md), in their order.
 * A module of its own, without dependencies, so the dashboard can list them without bundling the
 * response schemas (valibot) and what they import.
 */
export const SEGMENTS = ['new', 'power', 'casual', 'at-risk', 'dormant'] as const;
export type SegmentName = (typeof SEGMENTS)[number];
