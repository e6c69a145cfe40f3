/** `x` rounded to `digits` decimals. */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** `part / whole` to 4 decimals, or null when `whole` is 0 (a rate of nothing is unknown, not 0). */
export function rate(part: number, whole: number): number | null {
  return whole > 0 ? round(part / whole, 4) : null;
}

/** Mean of a sum/count pair to 0.1, or null without samples. */
export function mean(sum: number, count: number): number | null {
  return count > 0 ? round(sum / count, 1) : null;
}

/** Relative change to 0.001; null when either side is unknown or `previous` is 0. */
export function change(value: number | null, previous: number | null): number | null {
  if (value === null || previous === null || previous === 0) return null;
  return round((value - previous) / previous, 3);
}

/** Largest count first, then by key, so equal counts always list in the same order. */
export function byCountDesc<T>(pick: (t: T) => readonly [count: number, key: string]) {
  return (a: T, b: T) => {
    const [ca, ka] = pick(a);
    const [cb, kb] = pick(b);
    return cb - ca || compareText(ka, kb);
  };
}

/** Code-unit order: the same in every locale and runtime. */
export const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export { rangeOut } from '../../range.ts';
