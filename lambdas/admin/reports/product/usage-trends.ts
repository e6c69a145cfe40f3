/**
 * `usage-trends`: DAU/WAU/MAU and stickiness per day, and every usage figure as a series at hour,
 * day, week or month granularity, against the period just before (docs/api-product-analytics.md).
 * Read: each day's counters, aggregates and user map, for the range, the previous period and the
 * 29 days before it (for the month windows) — proportional to days × active users.
 */
import * as v from 'valibot';
import { ValidationError } from '../../../model/errors.ts';
import { own } from '../../../model/records.ts';
import { addDays, daysBetween } from '../../../model/time.ts';
import type { UserStats } from '../../../store/aggregate.ts';
import { COUNTER, type Counters, eventsOfType } from '../../../store/contributions.ts';
import { readTotals } from '../../../store/counters.ts';
import type { DayView } from '../../../store/day-store.ts';
import { parseRange, rangeOut } from '../../range.ts';
import { readRange } from '../../read.ts';
import { projectParam, rangeParams, report, textParam } from '../../report.ts';
import { change, countOf, round } from '../numbers.ts';
import { daysAfter, usersBefore } from '../usage/daily-stats.ts';
import { periodOf } from '../usage/messages.ts';
import { activeDays, MONTH_DAYS } from './active-users.ts';
import {
  type ActiveDay,
  type ActiveUsersSummary,
  type Compared,
  TREND_GRANULARITIES,
  TREND_METRICS,
  type TrendGranularity,
  type TrendMetric,
  type TrendPoint,
  type UsageTrendsResponse,
  usageTrendsResponse,
} from './types.ts';

/** The longest range an hourly series covers (744 points). */
export const MAX_HOURLY_DAYS = 31;

/** A day as the series needs it: served counters, hourly aggregates and the user map. */
export interface TrendDay {
  day: string;
  counters: Counters;
  hours: DayView['parts']['agg']['hours'];
  names: Record<string, number>;
  users: Record<string, UserStats>;
}

const toTrendDay = (d: DayView): TrendDay => ({
  day: d.day,
  counters: d.counters,
  hours: d.parts.agg.hours,
  names: d.parts.agg.names,
  users: d.parts.users,
});

const hourLabel = (day: string, h: number) => `${day}T${String(h).padStart(2, '0')}`;

/**
 * The series of `days` (oldest first) at `granularity`. `usersBefore` is the distinct users first
 * seen before the first day (null when unknown: then totalUsers is null).
 */
export function trendSeries(
  days: readonly TrendDay[],
  granularity: TrendGranularity,
  usersBefore: number | null,
  event?: string,
): TrendPoint[] {
  const points: TrendPoint[] = [];
  if (granularity === 'hour') {
    for (const d of days) {
      for (let h = 0; h < 24; h++) {
        const bit = 1 << h;
        let active = 0;
        for (const u of Object.values(d.users)) if ((u.hours ?? 0) & bit) active++;
        points.push({
          period: hourLabel(d.day, h),
          from: d.day,
          to: d.day,
          activeUsers: active,
          newUsers: null,
          totalUsers: null,
          events: d.hours.events[h] ?? 0,
          pageViews: d.hours.pageViews?.[h] ?? 0,
          messages: d.hours.messages[h] ?? 0,
          tokens: d.hours.tokens[h] ?? 0,
          errors: d.hours.errors[h] ?? 0,
          conversations: null,
          apiCalls: null,
          apiErrors: null,
          ...(event === undefined ? {} : { eventCount: null, eventUsers: null }),
        });
      }
    }
    return points;
  }
  let total = usersBefore;
  let current: { point: TrendPoint; users: Set<string>; eventUsers: Set<string> } | undefined;
  const close = () => {
    if (!current) return;
    current.point.activeUsers = current.users.size;
    if (event !== undefined) current.point.eventUsers = current.eventUsers.size;
    points.push(current.point);
  };
  for (const d of days) {
    const period = periodOf(d.day, granularity);
    if (current?.point.period !== period) {
      close();
      current = {
        point: {
          period,
          from: d.day,
          to: d.day,
          activeUsers: 0,
          newUsers: 0,
          totalUsers: total,
          events: 0,
          pageViews: 0,
          messages: 0,
          tokens: 0,
          errors: 0,
          conversations: 0,
          apiCalls: 0,
          apiErrors: 0,
          ...(event === undefined ? {} : { eventCount: 0, eventUsers: 0 }),
        },
        users: new Set(),
        eventUsers: new Set(),
      };
    }
    const p = current.point;
    const n = (k: string) => countOf(d.counters, k);
    p.to = d.day;
    p.newUsers = (p.newUsers ?? 0) + n(COUNTER.newUsers);
    if (total !== null) total += n(COUNTER.newUsers);
    p.totalUsers = total;
    p.events += n(COUNTER.events);
    p.pageViews += n(eventsOfType('page'));
    p.messages += n(COUNTER.messages);
    p.tokens += n(COUNTER.tokens);
    p.errors += n(COUNTER.errors);
    p.conversations = (p.conversations ?? 0) + n(COUNTER.conversations);
    p.apiCalls = (p.apiCalls ?? 0) + n(COUNTER.apiCalls);
    p.apiErrors = (p.apiErrors ?? 0) + n(COUNTER.apiErrors);
    for (const [actor, u] of Object.entries(d.users)) {
      current.users.add(actor);
      if (event !== undefined && (own(u.names, event) ?? 0) > 0) current.eventUsers.add(actor);
    }
    if (event !== undefined) p.eventCount = (p.eventCount ?? 0) + (own(d.names, event) ?? 0);
  }
  close();
  return points;
}

/** Whole-range figures: the sums of the day series, and distinct users over the whole range. */
function rangeTotals(days: readonly TrendDay[], event?: string) {
  const sums: Partial<Record<TrendMetric | 'eventCount', number>> = {};
  for (const p of trendSeries(days, 'day', null, event)) {
    for (const m of [...TREND_METRICS, 'eventCount'] as const) {
      const x = p[m];
      if (typeof x === 'number') sums[m] = (sums[m] ?? 0) + x;
    }
  }
  const users = new Set<string>();
  const eventUsers = new Set<string>();
  for (const d of days) {
    for (const [actor, u] of Object.entries(d.users)) {
      users.add(actor);
      if (event !== undefined && (u.names?.[event] ?? 0) > 0) eventUsers.add(actor);
    }
  }
  return { sums, users: users.size, eventUsers: eventUsers.size };
}

function summaryOf(daily: readonly ActiveDay[]): ActiveUsersSummary {
  const last = daily[daily.length - 1];
  const meanDau = daily.length ? daily.reduce((s, d) => s + d.dau, 0) / daily.length : 0;
  const mau = last?.mau ?? 0;
  return {
    dau: round(meanDau, 1),
    wau: last?.wau ?? 0,
    mau,
    stickiness: mau > 0 ? round(meanDau / mau, 4) : null,
  };
}

const compared = (value: number | null, previous: number | null): Compared => ({
  value,
  previous,
  change: change(value, previous),
});

/** `GET /api/v1/analytics/usage-trends`. */
export const usageTrendsReport = report({
  route: 'GET /api/v1/analytics/usage-trends',
  response: usageTrendsResponse,
  query: v.object({
    project: projectParam,
    ...rangeParams,
    granularity: v.optional(
      v.pipe(
        v.picklist(TREND_GRANULARITIES),
        v.description(
          `Series step (default day; hour for ranges of at most ${MAX_HOURLY_DAYS} days)`,
        ),
      ),
      'day',
    ),
    event: textParam('Also count this event (name) and its distinct users in every period', 200),
  }),
  run: async ({ deps, projectId, query }): Promise<UsageTrendsResponse> => {
    const now = deps.now();
    const range = parseRange(query, now, '30d');
    if (query.granularity === 'hour' && range.days.length > MAX_HOURLY_DAYS) {
      throw new ValidationError(
        `granularity=hour covers at most ${MAX_HOURLY_DAYS} days; the range has ${range.days.length}`,
      );
    }
    // The previous period and the 29 days before it, for its month windows.
    const first = addDays(range.previous.from, -(MONTH_DAYS - 1));
    const allDays = daysBetween(first, range.to);
    const after = daysAfter(range, now);
    const [view, later, totals] = await Promise.all([
      readRange(deps, projectId, allDays, { users: true }),
      after ? readRange(deps, projectId, after) : undefined,
      readTotals(deps.ddb, deps.tableName, projectId),
    ]);
    const days = view.days.map(toTrendDay).sort((a, b) => (a.day < b.day ? -1 : 1));
    const active = new Map(days.map((d) => [d.day, new Set(Object.keys(d.users))]));
    const inRange = (r: { from: string; to: string }) =>
      days.filter((d) => d.day >= r.from && d.day <= r.to);
    const current = inRange(range);
    const previous = inRange(range.previous);

    // Users first seen before the first day read: every user ever, minus those first seen on the
    // days read and after them.
    const newUsersOf = (c: Counters) => countOf(c, COUNTER.newUsers);
    const beforeRead = later
      ? usersBefore(
          newUsersOf(totals),
          newUsersOf(view.total.counters),
          newUsersOf(later.total.counters),
        )
      : null;
    const firstSeenBefore = (from: string) => {
      if (beforeRead === null) return null;
      let n = beforeRead;
      for (const d of days) if (d.day < from) n += newUsersOf(d.counters);
      return n;
    };

    const daily = activeDays(allDays, range.days, active);
    const previousDaily = activeDays(allDays, range.previous.days, active);
    const now_ = summaryOf(daily);
    const before = summaryOf(previousDaily);
    const event = query.event;
    const cur = rangeTotals(current, event);
    const prev = rangeTotals(previous, event);
    const totalsOut = {} as UsageTrendsResponse['totals'];
    for (const m of TREND_METRICS) {
      totalsOut[m] =
        m === 'activeUsers'
          ? compared(cur.users, prev.users)
          : compared(cur.sums[m] ?? 0, prev.sums[m] ?? 0);
    }
    if (event !== undefined) {
      totalsOut.eventCount = compared(cur.sums.eventCount ?? 0, prev.sums.eventCount ?? 0);
      totalsOut.eventUsers = compared(cur.eventUsers, prev.eventUsers);
    }
    return {
      project: projectId,
      range: { ...rangeOut(range), previous: { from: range.previous.from, to: range.previous.to } },
      granularity: query.granularity,
      event: event ?? null,
      activeUsers: {
        ...now_,
        previous: before,
        change: {
          dau: change(now_.dau, before.dau),
          wau: change(now_.wau, before.wau),
          mau: change(now_.mau, before.mau),
          stickiness: change(now_.stickiness, before.stickiness),
        },
      },
      daily,
      series: trendSeries(current, query.granularity, firstSeenBefore(range.from), event),
      previousSeries: trendSeries(
        previous,
        query.granularity,
        firstSeenBefore(range.previous.from),
        event,
      ),
      totals: totalsOut,
    };
  },
  rows: (body: UsageTrendsResponse) => body.series as unknown as Record<string, unknown>[],
});
