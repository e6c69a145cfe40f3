import { describe, expect, it } from 'vitest';
import {
  addValue,
  EXACT_LIMIT,
  emptyDistribution,
  isExact,
  mergeDistribution,
  quantile,
  summarize,
} from '../../../lambdas/store/distribution.ts';

const of = (values: number[]) => {
  const d = emptyDistribution();
  for (const v of values) addValue(d, v);
  return d;
};

describe('distribution', () => {
  it('gives exact nearest-rank percentiles for small sets', () => {
    const d = of([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(quantile(d, 0.5)).toBe(500);
    expect(quantile(d, 0.95)).toBe(1000);
    expect(quantile(d, 0.9)).toBe(900);
    expect(summarize(d)).toEqual({
      count: 10,
      avg: 550,
      p50: 500,
      p95: 1000,
      p99: 1000,
      exact: true,
    });
  });

  it('stays exact when merged under the limit, order-independently', () => {
    const a = of([5, 1, 3]);
    const b = of([2, 4]);
    mergeDistribution(a, b);
    expect(isExact(a)).toBe(true);
    expect([1, 2, 3, 4, 5].map((_, i) => quantile(a, (i + 1) / 5))).toEqual([1, 2, 3, 4, 5]);
    expect(a).toMatchObject({ n: 5, sum: 15, min: 1, max: 5 });
  });

  it('switches to a sketch past the limit and stays within 1 % of the true percentile', () => {
    const values = Array.from({ length: 20_000 }, (_, i) => 1 + ((i * 7919) % 5000) / 3);
    const d = of(values.slice(0, 10_000));
    mergeDistribution(d, of(values.slice(10_000)));
    expect(isExact(d)).toBe(false);
    const sorted = [...values].sort((x, y) => x - y);
    for (const q of [0.5, 0.95, 0.99]) {
      const truth = sorted[Math.ceil(q * sorted.length) - 1] as number;
      expect(Math.abs((quantile(d, q) as number) - truth) / truth).toBeLessThanOrEqual(0.01);
    }
    expect(d.n).toBe(20_000);
    expect(d.sum).toBeCloseTo(
      values.reduce((s, v) => s + v, 0),
      6,
    );
    expect(EXACT_LIMIT).toBeLessThan(20_000);
  });

  it('survives a JSON round trip (it is stored in DynamoDB items)', () => {
    const d = of(Array.from({ length: 1500 }, (_, i) => i));
    const copy = JSON.parse(JSON.stringify(d));
    expect(quantile(copy, 0.5)).toBe(quantile(d, 0.5));
    expect(summarize(emptyDistribution())).toEqual({
      count: 0,
      avg: null,
      p50: null,
      p95: null,
      p99: null,
      exact: true,
    });
  });
});
