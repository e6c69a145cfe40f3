/** `daily-stats`: one row per day, oldest first, with the seed's daily_stats columns and more. */
import * as v from 'valibot';
import { addDays, dayOf, daysBetween, MS } from '../../../model/time.ts';
import { COUNTER, type Counters } from '../../../store/contributions.ts';
import { readTotals } from '../../../store/counters.ts';
import type { Distribution } from '../../../store/distribution.ts';
import { summarize } from '../../../store/distribution.ts';
import { MAX_RANGE_DAYS, parseRange, type ReportRange, rangeOut } from '../../range.ts';
import { readRange } from '../../read.ts';
import { intParam, projectParam, rangeParams, report } from '../../report.ts';
import { dailyStatsResponse } from '../../responses.ts';
import { countOf } from '../numbers.ts';

/** What one day contributes to its row. */
export interface DayFigures {
  day: string;
  counters: Counters;
  /** The day's message response times. */
  rt: Distribution;
}

/** One day of the report (the seed's daily_stats columns, and more). */
export interface DailyRow {
  date: string;
  /** Distinct users seen on or before this day (null when it cannot be computed; see docs). */
  totalUsers: number | null;
  activeUsers: number;
  newUsers: number;
  totalConversations: number;
  totalMessages: number;
  totalTokens: number;
  totalApiCalls: number;
  apiErrors: number;
  avgResponseTimeMs: number | null;
  p50ResponseTimeMs: number | null;
  p95ResponseTimeMs: number | null;
  /** False once the day has more response times than the distribution keeps exactly. */
  responseTimeExact: boolean;
  errorCount: number;
  events: number;
}

/**
 * Users first seen before `days`: every user ever (the all-time `newUsers`) minus those first seen
 * on the range's days and on the days after it. Never negative: the reads are not one snapshot, so
 * a user ingested between them could otherwise push it below 0.
 */
export function usersBefore(allTimeNewUsers: number, inRange: number, afterRange: number): number {
  return Math.max(0, allTimeNewUsers - inRange - afterRange);
}

/** The rows of `days` (oldest first); `before` is the users first seen before the first day. */
export function dailyRows(days: DayFigures[], before: number | null): DailyRow[] {
  let total = before;
  return [...days]
    .sort((a, b) => (a.day < b.day ? -1 : 1))
    .map(({ day, counters, rt }) => {
      const n = (k: string) => countOf(counters, k);
      if (total !== null) total += n(COUNTER.newUsers);
      const s = summarize(rt);
      return {
        date: day,
        totalUsers: total,
        activeUsers: n(COUNTER.activeUsers),
        newUsers: n(COUNTER.newUsers),
        totalConversations: n(COUNTER.conversations),
        totalMessages: n(COUNTER.messages),
        totalTokens: n(COUNTER.tokens),
        totalApiCalls: n(COUNTER.apiCalls),
        apiErrors: n(COUNTER.apiErrors),
        avgResponseTimeMs: s.avg,
        p50ResponseTimeMs: s.p50,
        p95ResponseTimeMs: s.p95,
        responseTimeExact: s.exact,
        errorCount: n(COUNTER.errors),
        events: n(COUNTER.events),
      };
    });
}

/**
 * The days after the range on which a user can have been first seen: up to tomorrow, since an
 * event's timestamp is at most 24 hours after its receipt. Undefined when there are more than a
 * report may read.
 */
export function daysAfter(range: Pick<ReportRange, 'to'>, now: number): string[] | undefined {
  const last = dayOf(now + MS.day);
  if (range.to >= last) return [];
  const days = daysBetween(addDays(range.to, 1), last);
  return days.length > MAX_RANGE_DAYS ? undefined : days;
}

/** `GET /api/v1/analytics/daily-stats`. */
export const dailyStatsReport = report({
  route: 'GET /api/v1/analytics/daily-stats',
  response: dailyStatsResponse,
  query: v.object({
    project: projectParam,
    ...rangeParams,
    days: intParam(30, MAX_RANGE_DAYS, 'Days ending today; range, from and to win over it'),
  }),
  run: async ({ deps, projectId, query }) => {
    const now = deps.now();
    const explicit =
      query.range !== undefined || query.from !== undefined || query.to !== undefined;
    const today = dayOf(now);
    const range = explicit
      ? parseRange(query, now)
      : parseRange({ from: addDays(today, -(query.days - 1)), to: today }, now);
    const after = daysAfter(range, now);
    const [view, later, totals] = await Promise.all([
      readRange(deps, projectId, range.days),
      after ? readRange(deps, projectId, after) : undefined,
      readTotals(deps.ddb, deps.tableName, projectId),
    ]);
    const newUsers = (c: Counters) => countOf(c, COUNTER.newUsers);
    const before = later
      ? usersBefore(newUsers(totals), newUsers(view.total.counters), newUsers(later.total.counters))
      : null;
    return {
      project: projectId,
      range: rangeOut(range),
      totalUsersBefore: before,
      days: dailyRows(
        view.days.map((d) => ({ day: d.day, counters: d.counters, rt: d.parts.agg.rt })),
        before,
      ),
    };
  },
  rows: (body: { days: DailyRow[] }) => body.days as unknown as Record<string, unknown>[],
});
