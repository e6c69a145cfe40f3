/** `event-counts`: events of a range by Segment type and by event name. */
import * as v from 'valibot';
import { COUNTER, type Counters, eventsOfType } from '../../../store/contributions.ts';
import { parseRange, rangeOut } from '../../range.ts';
import { readRange } from '../../read.ts';
import { intParam, projectParam, rangeParams, report } from '../../report.ts';
import { eventCountsResponse } from '../../responses.ts';
import { byCountDesc } from '../numbers.ts';

/** Events of one Segment type. */
export interface TypeCount {
  type: string;
  count: number;
}

/** Events of one name. */
export interface NameCount {
  name: string;
  count: number;
}

/** The report's figures. */
export interface EventCounts {
  totalEvents: number;
  /** Every type with events, largest first. */
  byType: TypeCount[];
  /** The `limit` most frequent names, largest first (identify, group and alias have none). */
  byName: NameCount[];
  /** Distinct names in the range, listed or not. */
  distinctNames: number;
}

const TYPE_PREFIX = eventsOfType('');

/** Counts by type (from the `type:*` counters) and by name (from the aggregate's name map). */
export function eventCounts(
  counters: Counters,
  names: Record<string, number>,
  limit: number,
): EventCounts {
  const byType = Object.entries(counters)
    .filter(([k, n]) => k.startsWith(TYPE_PREFIX) && n > 0)
    .map(([k, count]) => ({ type: k.slice(TYPE_PREFIX.length), count }))
    .sort(byCountDesc((t) => [t.count, t.type]));
  const all = Object.entries(names)
    .filter(([, n]) => n > 0)
    .map(([name, count]) => ({ name, count }))
    .sort(byCountDesc((t) => [t.count, t.name]));
  return {
    totalEvents: counters[COUNTER.events] ?? 0,
    byType,
    byName: all.slice(0, limit),
    distinctNames: all.length,
  };
}

/** `GET /api/v1/analytics/event-counts`. */
export const eventCountsReport = report({
  route: 'GET /api/v1/analytics/event-counts',
  response: eventCountsResponse,
  query: v.object({
    project: projectParam,
    ...rangeParams,
    limit: intParam(50, 1000, 'Event names listed'),
  }),
  run: async ({ deps, projectId, query }) => {
    const range = parseRange(query, deps.now());
    const { total } = await readRange(deps, projectId, range.days);
    return {
      project: projectId,
      range: rangeOut(range),
      ...eventCounts(total.counters, total.agg.names, query.limit),
    };
  },
  rows: (body: EventCounts) => [
    ...body.byType.map((t) => ({ kind: 'type', key: t.type, count: t.count })),
    ...body.byName.map((n) => ({ kind: 'name', key: n.name, count: n.count })),
  ],
});
