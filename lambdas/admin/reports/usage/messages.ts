/** `messages`: message volume over time, by hour of day, role and model, and response times. */
import * as v from 'valibot';
import { dayStart } from '../../../model/time.ts';
import type { Aggregate } from '../../../store/aggregate.ts';
import { COUNTER, type Counters } from '../../../store/contributions.ts';
import { summarize } from '../../../store/distribution.ts';
import { parseRange, rangeOut } from '../../range.ts';
import { readRange } from '../../read.ts';
import { projectParam, rangeParams, report } from '../../report.ts';
import { messagesResponse } from '../../responses.ts';
import { byCountDesc, countOf } from '../numbers.ts';

/** Steps of the message series. */
export const GRANULARITIES = ['day', 'week', 'month'] as const;
/** A step of the message series. */
export type Granularity = (typeof GRANULARITIES)[number];

/** `2026-W47`: the ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeekOf(day: string): string {
  const d = new Date(dayStart(day));
  const weekday = (d.getUTCDay() + 6) % 7;
  // The Thursday of the same week decides the week's year.
  d.setUTCDate(d.getUTCDate() - weekday + 3);
  const year = d.getUTCFullYear();
  const week = Math.floor((d.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The period a day falls in. */
export function periodOf(day: string, granularity: Granularity): string {
  if (granularity === 'day') return day;
  return granularity === 'week' ? isoWeekOf(day) : day.slice(0, 7);
}

/** One period of the message series. */
export interface SeriesPoint {
  /** `2026-11-22`, `2026-W47` or `2026-11`. */
  period: string;
  /** First and last day of the period inside the range (the range may cut a week or month). */
  from: string;
  to: string;
  messages: number;
  tokens: number;
}

/** Per-period message and token counts, oldest first, one point per period the range touches. */
export function seriesOf(
  days: { day: string; counters: Counters }[],
  granularity: Granularity,
): SeriesPoint[] {
  const out = new Map<string, SeriesPoint>();
  for (const { day, counters } of [...days].sort((a, b) => (a.day < b.day ? -1 : 1))) {
    const period = periodOf(day, granularity);
    const p = out.get(period) ?? { period, from: day, to: day, messages: 0, tokens: 0 };
    p.to = day;
    p.messages += countOf(counters, COUNTER.messages);
    p.tokens += countOf(counters, COUNTER.tokens);
    out.set(period, p);
  }
  return [...out.values()];
}

/** The figures of the whole range, from its merged aggregate. */
export function messageBreakdown(agg: Aggregate, topHours = 3) {
  const byHour = [...agg.hours.messages];
  return {
    peakHours: {
      byHour,
      top: byHour
        .map((messages, hour) => ({ hour, messages }))
        .filter((h) => h.messages > 0)
        .sort((a, b) => b.messages - a.messages || a.hour - b.hour)
        .slice(0, topHours),
    },
    responseTimeMs: summarize(agg.rt),
    byRole: Object.entries(agg.roles)
      .map(([role, messages]) => ({ role, messages }))
      .sort(byCountDesc((r) => [r.messages, r.role])),
    byModel: Object.entries(agg.models)
      .map(([model, m]) => ({ model, messages: m.messages, tokens: m.tokens }))
      .sort(byCountDesc((m) => [m.messages, m.model])),
  };
}

/** `GET /api/v1/analytics/messages`. */
export const messagesReport = report({
  route: 'GET /api/v1/analytics/messages',
  response: messagesResponse,
  query: v.object({
    project: projectParam,
    ...rangeParams,
    granularity: v.optional(
      v.pipe(v.picklist(GRANULARITIES), v.description('Series step (default day)')),
      'day',
    ),
  }),
  run: async ({ deps, projectId, query }) => {
    const range = parseRange(query, deps.now());
    const view = await readRange(deps, projectId, range.days);
    return {
      project: projectId,
      range: rangeOut(range),
      total: view.total.counters[COUNTER.messages] ?? 0,
      granularity: query.granularity,
      series: seriesOf(view.days, query.granularity),
      ...messageBreakdown(view.total.agg),
    };
  },
  rows: (body: { series: SeriesPoint[] }) => body.series as unknown as Record<string, unknown>[],
});
