/**
 * The time range of a report: `range` (24h, 7d, 30d, 90d) or `from`/`to` (ISO dates, UTC, both
 * included), and the period just before it, of the same length, for period-over-period change.
 */
import { ValidationError } from '../model/errors.ts';
import { addDays, dayOf, daysBetween, isIsoDay } from '../model/time.ts';

export const RANGES = ['24h', '7d', '30d', '90d'] as const;
export type RangeName = (typeof RANGES)[number];

/** A request's range parameters, as `rangeParams` parses them. */
export interface RangeQuery {
  range?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export interface DayRange {
  from: string;
  to: string;
  days: string[];
}

export interface ReportRange extends DayRange {
  /** `7d`, or `custom` for from/to. */
  range: RangeName | 'custom';
  /** The same number of days just before. */
  previous: DayRange;
}

/** The longest range a report reads (the raw event retention is about this long). */
export const MAX_RANGE_DAYS = 400;

function lengthOf(range: RangeName): number {
  return range === '24h' ? 2 : Number(range.slice(0, -1));
}

/**
 * Resolves the range of a request. `24h` covers yesterday and today (the last 24 hours lie in
 * them; hourly figures narrow it); `Nd` covers the last N days, today included.
 */
export function parseRange(
  query: RangeQuery,
  now: number,
  fallback: RangeName = '7d',
): ReportRange {
  const today = dayOf(now);
  if (query.from !== undefined || query.to !== undefined) {
    const from = query.from ?? query.to ?? today;
    const to = query.to ?? today;
    for (const [name, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (!isIsoDay(value)) {
        throw new ValidationError(
          `${name} must be a date, YYYY-MM-DD; got ${JSON.stringify(value)}`,
        );
      }
    }
    if (from > to) throw new ValidationError(`from (${from}) is after to (${to})`);
    const days = daysBetween(from, to);
    if (days.length > MAX_RANGE_DAYS) {
      throw new ValidationError(`a range covers at most ${MAX_RANGE_DAYS} days`);
    }
    return { range: 'custom', from, to, days, previous: before(from, days.length) };
  }
  const range = (query.range ?? fallback) as RangeName;
  if (!RANGES.includes(range)) {
    throw new ValidationError(
      `range must be one of ${RANGES.join(', ')}; got ${JSON.stringify(query.range)}`,
    );
  }
  const n = lengthOf(range);
  const from = addDays(today, -(n - 1));
  return { range, from, to: today, days: daysBetween(from, today), previous: before(from, n) };
}

function before(from: string, n: number): DayRange {
  const to = addDays(from, -1);
  const start = addDays(from, -n);
  return { from: start, to, days: daysBetween(start, to) };
}

/** The `range` block of a report body: `7d` (or `custom`), first and last day. */
export interface RangeOut {
  name: ReportRange['range'];
  from: string;
  to: string;
}

export const rangeOut = (r: ReportRange): RangeOut => ({ name: r.range, from: r.from, to: r.to });
