/** `overview`: headline figures of a range next to the period of the same length just before it. */
import * as v from 'valibot';
import { COUNTER, type Counters } from '../../../store/contributions.ts';
import { parseRange, rangeOut } from '../../range.ts';
import { type RangeView, readRange } from '../../read.ts';
import { projectParam, rangeParams, report } from '../../report.ts';
import { overviewResponse } from '../../responses.ts';
import { change, countOf, mean, rate } from '../numbers.ts';

/** The figures of one period that the overview compares. */
export interface PeriodFigures {
  /** Additive counters summed over the period's days. */
  counters: Counters;
  /** Distinct users active on any day of the period. */
  activeUsers: number;
}

/** One metric of the range, beside its value in the previous period. */
export interface Metric {
  value: number | null;
  previous: number | null;
  /** (value − previous) / previous to 0.001; null when previous is 0 or unknown. */
  change: number | null;
}

/** The metrics of the overview, in the order of its body. */
export const OVERVIEW_METRICS = [
  'totalEvents',
  'activeUsers',
  'newUsers',
  'conversations',
  'messages',
  'tokens',
  'avgResponseTimeMs',
  'apiCalls',
  'apiErrorRate',
  'errors',
] as const;
/** A metric of the overview. */
export type OverviewMetric = (typeof OVERVIEW_METRICS)[number];

function valuesOf(p: PeriodFigures): Record<OverviewMetric, number | null> {
  const n = (k: string) => countOf(p.counters, k);
  return {
    totalEvents: n(COUNTER.events),
    activeUsers: p.activeUsers,
    newUsers: n(COUNTER.newUsers),
    conversations: n(COUNTER.conversations),
    messages: n(COUNTER.messages),
    tokens: n(COUNTER.tokens),
    avgResponseTimeMs: mean(n(COUNTER.responseTimeSumMs), n(COUNTER.responseTimeCount)),
    apiCalls: n(COUNTER.apiCalls),
    apiErrorRate: rate(n(COUNTER.apiErrors), n(COUNTER.apiCalls)),
    errors: n(COUNTER.errors),
  };
}

/** Each metric of `current` with its value in `previous` and the relative change. */
export function overviewOf(
  current: PeriodFigures,
  previous: PeriodFigures,
): Record<OverviewMetric, Metric> {
  const now = valuesOf(current);
  const before = valuesOf(previous);
  const out = {} as Record<OverviewMetric, Metric>;
  for (const m of OVERVIEW_METRICS) {
    out[m] = { value: now[m], previous: before[m], change: change(now[m], before[m]) };
  }
  return out;
}

/**
 * Events per UTC weekday (Monday first) and hour over the range's days, from each day's hourly
 * aggregate: the days are read for the metrics anyway, so the grid costs no read of its own.
 */
export function peakUsageOf({ days }: RangeView): number[][] {
  const grid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  for (const d of days) {
    const weekday = (new Date(`${d.day}T00:00:00Z`).getUTCDay() + 6) % 7;
    const row = grid[weekday] as number[];
    d.parts.agg.hours.events.forEach((n, hour) => {
      row[hour] = (row[hour] ?? 0) + n;
    });
  }
  return grid;
}

/** A period read with its users: their map's keys are the distinct users of the period. */
const figuresOf = ({ total }: RangeView): PeriodFigures => ({
  counters: total.counters,
  activeUsers: Object.keys(total.users).length,
});

/** `GET /api/v1/analytics/overview`. */
export const overviewReport = report({
  route: 'GET /api/v1/analytics/overview',
  response: overviewResponse,
  query: v.object({ project: projectParam, ...rangeParams }),
  run: async ({ deps, projectId, query }) => {
    const range = parseRange(query, deps.now());
    const [current, previous] = await Promise.all([
      readRange(deps, projectId, range.days, { users: true }),
      readRange(deps, projectId, range.previous.days, { users: true }),
    ]);
    return {
      project: projectId,
      range: {
        ...rangeOut(range),
        previous: { from: range.previous.from, to: range.previous.to },
      },
      ...overviewOf(figuresOf(current), figuresOf(previous)),
      peakUsage: { events: peakUsageOf(current) },
    };
  },
  rows: (body: Record<OverviewMetric, Metric>) =>
    OVERVIEW_METRICS.map((metric) => ({ metric, ...body[metric] })),
});
