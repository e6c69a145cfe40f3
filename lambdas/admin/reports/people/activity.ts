/**
 * The activity feed (`users/activities`) and the raw event listing (`events`): the two reports
 * that page through the fact log by cursor instead of reading per-day aggregates. A page costs
 * the log items it reads (bounded by LOG_READ_BUDGET), never a scan of the period.
 */
import * as v from 'valibot';
import { EVENT_TYPES, type TallyEvent } from '../../../model/events.ts';
import type { Fact } from '../../../store/facts.ts';
import { parseRange, type RangeOut, type ReportRange, rangeOut } from '../../range.ts';
import { type ReportDeps, readRawEvents } from '../../read.ts';
import {
  cursorParam,
  limitParam,
  projectParam,
  rangeParams,
  report,
  textParam,
} from '../../report.ts';
import { type Activity, activityOf } from './compute.ts';
import { checkPosition, daysWithActor, type LogHit, logPositionSchema, walkLog } from './log.ts';
import {
  fingerprint,
  oneUser,
  readCursor,
  userFilterOf,
  userParams,
  writeCursor,
} from './params.ts';

interface LogPageRequest {
  range: ReportRange;
  cursor: string | undefined;
  /** What the list depends on besides the project: a cursor is refused on any other query. */
  shape: readonly unknown[];
  limit: number;
  actor: string | undefined;
  match: (f: Fact) => boolean;
}

/** One page of matching facts, newest first, and the cursor of the next. */
async function logPage(
  deps: ReportDeps,
  projectId: string,
  r: LogPageRequest,
): Promise<{ hits: LogHit[]; nextCursor: string | null }> {
  const q = fingerprint([projectId, ...r.shape]);
  const from = readCursor(r.cursor, logPositionSchema, q);
  if (from) checkPosition(from, projectId, r.range.days);
  let days = [...r.range.days].reverse();
  if (r.actor !== undefined) {
    // A rare user's days are found by their markers, so the walk never reads the others.
    const active = await daysWithActor(deps, projectId, days, r.actor);
    days = days.filter((d) => active.has(d));
  }
  const { hits, next } = await walkLog(deps, projectId, {
    days,
    from,
    limit: r.limit,
    match: r.match,
  });
  return { hits, nextCursor: next ? writeCursor(next, q) : null };
}

const ACTIVITIES = 'GET /api/v1/analytics/users/activities';
const EVENTS = 'GET /api/v1/analytics/events';

export interface ActivitiesBody {
  project: string;
  range: RangeOut;
  activities: Activity[];
  nextCursor: string | null;
}

export const activitiesReport = report({
  route: ACTIVITIES,
  query: v.pipe(
    v.object({
      project: projectParam,
      ...rangeParams,
      ...userParams,
      limit: limitParam(50, 500),
      cursor: cursorParam,
    }),
    oneUser(),
  ),
  run: async ({ deps, projectId, query }): Promise<ActivitiesBody> => {
    const range = parseRange(query, deps.now());
    const actor = userFilterOf(query);
    const { hits, nextCursor } = await logPage(deps, projectId, {
      range,
      cursor: query.cursor,
      shape: [ACTIVITIES, query.range, query.from, query.to, actor],
      limit: query.limit,
      actor,
      match: (f) => actor === undefined || f.u === actor,
    });
    return {
      project: projectId,
      range: rangeOut(range),
      activities: hits.map((h) => activityOf(h.fact)),
      nextCursor,
    };
  },
  rows: (body: ActivitiesBody) => body.activities as unknown as Record<string, unknown>[],
});

export interface EventsBody {
  project: string;
  range: RangeOut;
  events: TallyEvent[];
  nextCursor: string | null;
}

/** Full payloads are up to 32 KB each: 100 of them keep a page well under Lambda's 6 MB. */
const MAX_EVENTS_PER_PAGE = 100;

export const eventsReport = report({
  route: EVENTS,
  query: v.pipe(
    v.object({
      project: projectParam,
      ...rangeParams,
      type: v.optional(v.pipe(v.picklist(EVENT_TYPES), v.description('Segment type'))),
      event: textParam('Event name (track), or page/screen name'),
      ...userParams,
      limit: limitParam(50, MAX_EVENTS_PER_PAGE),
      cursor: cursorParam,
    }),
    oneUser(),
  ),
  run: async ({ deps, projectId, query }): Promise<EventsBody> => {
    const range = parseRange(query, deps.now());
    const actor = userFilterOf(query);
    const { type, event } = query;
    const { hits, nextCursor } = await logPage(deps, projectId, {
      range,
      cursor: query.cursor,
      shape: [EVENTS, query.range, query.from, query.to, type, event, actor],
      limit: query.limit,
      actor,
      match: (f) =>
        (type === undefined || f.ty === type) &&
        (event === undefined || f.n === event) &&
        (actor === undefined || f.u === actor),
    });
    // The page's full events. One whose raw item is gone (a user's deletion) is left out, not
    // shown from its fact.
    const events = (await readRawEvents(deps, projectId, hits)).filter(
      (e): e is TallyEvent => e !== undefined,
    );
    return { project: projectId, range: rangeOut(range), events, nextCursor };
  },
  rows: (body: EventsBody) => body.events as unknown as Record<string, unknown>[],
});
