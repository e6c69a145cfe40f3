/**
 * The activity feed (`users/activities`) and the raw event listing (`events`): reports that page
 * through the fact log by cursor (store/log-pages.ts) instead of reading per-day aggregates. A
 * page costs the log items it reads (bounded by LOG_READ_BUDGET), never a scan of the period.
 */
import * as v from 'valibot';
import { EVENT_TYPES, type TallyEvent } from '../../../model/events.ts';
import { readLogPage } from '../../../store/log-pages.ts';
import { parseRange, type RangeOut, rangeOut } from '../../range.ts';
import { readRawEvents } from '../../read.ts';
import {
  cursorParam,
  limitParam,
  projectParam,
  rangeParams,
  report,
  textParam,
} from '../../report.ts';
import { activitiesResponse, eventsResponse } from '../../responses.ts';
import { type Activity, activityOf } from './compute.ts';
import { oneUser, userFilterOf, userParams } from './params.ts';

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
  response: activitiesResponse,
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
    const { hits, nextCursor } = await readLogPage(deps, projectId, {
      days: range.days,
      query: [ACTIVITIES, query.range, query.from, query.to, actor],
      cursor: query.cursor,
      limit: query.limit,
      actor,
      match: (f) => actor === undefined || f.actor === actor,
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
  response: eventsResponse,
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
    const { hits, nextCursor } = await readLogPage(deps, projectId, {
      days: range.days,
      query: [EVENTS, query.range, query.from, query.to, type, event, actor],
      cursor: query.cursor,
      limit: query.limit,
      actor,
      match: (f) =>
        (type === undefined || f.type === type) &&
        (event === undefined || f.name === event) &&
        (actor === undefined || f.actor === actor),
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
