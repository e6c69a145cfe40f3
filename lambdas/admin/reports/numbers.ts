/** Rounding and ordering shared by every report, so a figure reads the same wherever it appears. */

import { own } from '../../model/records.ts';
import type { Counters } from '../../store/contributions.ts';

/** A counter's value, 0 when it was never incremented. */
export const countOf = (counters: Counters, key: string): number => own(counters, key) ?? 0;

/** `x` rounded to `digits` decimals. */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** `num / den` to `digits` decimals; null when `den` is 0 (a rate of nothing is unknown, not 0). */
export function ratio(num: number, den: number, digits: number): number | null {
  return den > 0 ? round(num / den, digits) : null;
}

/** `part / whole` to 4 decimals, or null when `whole` is 0. */
export const rate = (part: number, whole: number): number | null => ratio(part, whole, 4);

/** Mean of a sum/count pair to 0.1, or null without samples. */
export const mean = (sum: number, count: number): number | null => ratio(sum, count, 1);

/** Relative change to 0.001; null when either side is unknown or `previous` is 0. */
export function change(value: number | null, previous: number | null): number | null {
  if (value === null || previous === null || previous === 0) return null;
  return round((value - previous) / previous, 3);
}

/** Code-unit order: the same in every locale and runtime. */
export const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Largest count first, then by key, so equal counts always list in the same order. */
export function byCountDesc<T>(pick: (t: T) => readonly [count: number, key: string]) {
  return (a: T, b: T) => {
    const [ca, ka] = pick(a);
    const [cb, kb] = pick(b);
    return cb - ca || compareText(ka, kb);
  };
}
