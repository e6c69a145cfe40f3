/**
 * A mergeable distribution of non-negative values (response times, durations), for percentiles
 * across any set of days. It keeps the exact values while there are at most EXACT_LIMIT of them
 * (so small ranges, and every test dataset, get exact nearest-rank percentiles), then switches to
 * a log-bucketed sketch with relative accuracy ALPHA (the DDSketch construction): a reported
 * percentile is then within 1 % of the true one. Count, sum, min and max stay exact.
 * Written here because the sketch is 30 lines and must serialise into DynamoDB items compactly;
 * the npm DDSketch port pulls in protobuf.
 */

export const EXACT_LIMIT = 1000;
const ALPHA = 0.01;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LOG_GAMMA = Math.log(GAMMA);
/** Values below this (ms) share the zero bucket in sketch mode. */
const MIN_POSITIVE = 1e-3;

/** Serialised form: `v` (exact values) or `b` (bucket index → count) plus `z` (zero count). */
export interface Distribution {
  n: number;
  sum: number;
  min: number;
  max: number;
  v?: number[];
  b?: Record<string, number>;
  z?: number;
}

export function emptyDistribution(): Distribution {
  return { n: 0, sum: 0, min: 0, max: 0, v: [] };
}

const bucketOf = (value: number) => Math.ceil(Math.log(value) / LOG_GAMMA);
const bucketValue = (bucket: number) => (2 * GAMMA ** bucket) / (GAMMA + 1);

function toSketch(d: Distribution): void {
  if (!d.v) return;
  const b: Record<string, number> = {};
  let z = 0;
  for (const value of d.v) {
    if (value < MIN_POSITIVE) z++;
    else {
      const i = bucketOf(value);
      b[i] = (b[i] ?? 0) + 1;
    }
  }
  d.b = b;
  d.z = z;
  delete d.v;
}

export function addValue(d: Distribution, value: number): void {
  d.min = d.n === 0 ? value : Math.min(d.min, value);
  d.max = d.n === 0 ? value : Math.max(d.max, value);
  d.n++;
  d.sum += value;
  if (d.v) {
    d.v.push(value);
    if (d.v.length > EXACT_LIMIT) toSketch(d);
    return;
  }
  if (value < MIN_POSITIVE) d.z = (d.z ?? 0) + 1;
  else {
    const i = bucketOf(value);
    const b = d.b as Record<string, number>;
    b[i] = (b[i] ?? 0) + 1;
  }
}

/** Adds `other` into `d` (in place). */
export function mergeDistribution(d: Distribution, other: Distribution | undefined): Distribution {
  if (!other || other.n === 0) return d;
  const min = d.n === 0 ? other.min : Math.min(d.min, other.min);
  const max = d.n === 0 ? other.max : Math.max(d.max, other.max);
  if (d.v && other.v && d.v.length + other.v.length <= EXACT_LIMIT) {
    d.v.push(...other.v);
  } else {
    toSketch(d);
    const o: Distribution = { ...other, ...(other.b ? { b: { ...other.b } } : {}) };
    if (o.v) toSketch(o);
    const b = d.b as Record<string, number>;
    for (const [i, c] of Object.entries(o.b ?? {})) b[i] = (b[i] ?? 0) + c;
    d.z = (d.z ?? 0) + (o.z ?? 0);
  }
  d.n += other.n;
  d.sum += other.sum;
  d.min = min;
  d.max = max;
  return d;
}

/** True while percentiles are exact (every value is kept). */
export const isExact = (d: Distribution) => d.v !== undefined;

/**
 * The q-quantile (0 < q ≤ 1) by nearest rank: the value at rank ⌈q·n⌉ of the sorted values.
 * Undefined for an empty distribution.
 */
export function quantile(d: Distribution, q: number): number | undefined {
  if (d.n === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * d.n));
  if (d.v) return [...d.v].sort((a, b) => a - b)[rank - 1];
  let seen = d.z ?? 0;
  if (rank <= seen) return 0;
  const buckets = Object.entries(d.b ?? {})
    .map(([i, c]) => [Number(i), c] as const)
    .sort((a, b) => a[0] - b[0]);
  for (const [i, c] of buckets) {
    seen += c;
    if (rank <= seen) return Math.min(d.max, Math.max(d.min, bucketValue(i)));
  }
  return d.max;
}

/** How many values are at most `x` (exact for exact distributions, else within the sketch's 1 %). */
export function countAtMost(d: Distribution, x: number): number {
  if (d.v) return d.v.filter((value) => value <= x).length;
  let n = x >= 0 ? (d.z ?? 0) : 0;
  for (const [i, c] of Object.entries(d.b ?? {})) if (bucketValue(Number(i)) <= x) n += c;
  return n;
}

/** avg, p50, p95, p99, rounded to 0.1 ms; nulls when there are no values. */
export function summarize(d: Distribution) {
  const r = (x: number | undefined) => (x === undefined ? null : Math.round(x * 10) / 10);
  return {
    count: d.n,
    avg: d.n ? r(d.sum / d.n) : null,
    p50: r(quantile(d, 0.5)),
    p95: r(quantile(d, 0.95)),
    p99: r(quantile(d, 0.99)),
    exact: isExact(d),
  };
}
