/**
 * `user-segments` (docs/api-product-analytics.md "User segments"): every user active in the range
 * or the period before it, put in one behavioural segment by documented rules (new, power,
 * casual, at-risk, dormant), with an engagement score; per segment its size and mean score, and
 * one segment's members a page at a time. Reads each day's per-user map for the range and the
 * previous period, and the users' profiles (first day seen): ∝ days × users, never the events.
 */
import * as v from 'valibot';
import { fingerprint, readCursor, writeCursor } from '../../../model/cursor.ts';
import { addDays } from '../../../model/time.ts';
import type { UserStats } from '../../../store/aggregate.ts';
import { firstDaysOf } from '../../../store/users.ts';
import { parseRange, type RangeQuery, type ReportRange, rangeOut } from '../../range.ts';
import { type ReportDeps, readRange } from '../../read.ts';
import { cursorParam, limitParam, projectParam, rangeParams, report } from '../../report.ts';
import { compareText, rate, round } from '../numbers.ts';
import {
  type Member,
  SEGMENTS,
  type Segment,
  type SegmentName,
  type SegmentsResponse,
  segmentsResponse,
} from './types.ts';

interface UserDay {
  day: string;
  users: Record<string, UserStats>;
}

/** Events per range day at which a user's intensity is full (engagement formula). */
export const FULL_INTENSITY_EVENTS_PER_DAY = 10;

/** The rules' thresholds for a range of `n` days ending on `to`. */
export function rulesFor(n: number, to: string) {
  const recentDays = Math.max(1, Math.floor(n / 4));
  return { recentDays, recentFrom: addDays(to, -(recentDays - 1)), powerDays: Math.ceil(n / 2) };
}

/**
 * 0–100: 70 × the share of the range's days with an event + 30 × the events per range day over
 * FULL_INTENSITY_EVENTS_PER_DAY (at most 1), to 0.1.
 */
export function engagementOf(activeDays: number, events: number, n: number): number {
  const frequency = n > 0 ? activeDays / n : 0;
  const intensity = n > 0 ? Math.min(1, events / (FULL_INTENSITY_EVENTS_PER_DAY * n)) : 0;
  return round(100 * (0.7 * frequency + 0.3 * intensity), 1);
}

const RULES: Record<SegmentName, string> = {
  new: 'first seen in the recent window (the last quarter of the range)',
  dormant: 'no event in the range, some in the period before it',
  'at-risk': 'events in the range, none in the recent window',
  power: 'events on at least half of the range’s days',
  casual: 'every other user with an event in the range',
};

/** Each user's segment and figures, from the range's and the previous period's user maps. */
export function classify(
  range: { from: string; to: string; days: readonly string[] },
  current: readonly UserDay[],
  previous: readonly UserDay[],
  firstDays: ReadonlyMap<string, string>,
): Member[] {
  const n = range.days.length;
  const rules = rulesFor(n, range.to);
  const seen = new Map<
    string,
    { days: Set<string>; events: number; first: string; last: string }
  >();
  const touch = (actor: string, day: string) => {
    let s = seen.get(actor);
    if (!s) {
      s = { days: new Set(), events: 0, first: day, last: day };
      seen.set(actor, s);
    }
    if (day > s.last) s.last = day;
    if (day < s.first) s.first = day;
    return s;
  };
  for (const d of previous) for (const actor of Object.keys(d.users)) touch(actor, d.day);
  for (const d of current) {
    for (const [actor, u] of Object.entries(d.users)) {
      const s = touch(actor, d.day);
      s.days.add(d.day);
      s.events += u.events;
    }
  }
  const out: Member[] = [];
  for (const [actor, s] of seen) {
    // The profile's first day, or the first day read if earlier (an event that arrived after a
    // later one created the profile).
    const profile = firstDays.get(actor);
    const firstSeen = profile !== undefined && profile < s.first ? profile : s.first;
    const activeDays = s.days.size;
    let segment: SegmentName;
    if (firstSeen >= rules.recentFrom && firstSeen <= range.to) {
      segment = 'new';
    } else if (activeDays === 0) segment = 'dormant';
    else if (s.last < rules.recentFrom) segment = 'at-risk';
    else if (activeDays >= rules.powerDays) segment = 'power';
    else segment = 'casual';
    out.push({
      actor,
      segment,
      activeDays,
      events: s.events,
      firstSeen,
      lastSeen: s.last,
      engagement: engagementOf(activeDays, s.events, n),
    });
  }
  return out;
}

/** Highest score first, then by actor. */
const byEngagement = (a: Member, b: Member) =>
  b.engagement - a.engagement || compareText(a.actor, b.actor);

export function summarize(members: readonly Member[]): Segment[] {
  return SEGMENTS.map((name) => {
    const mine = members.filter((m) => m.segment === name);
    const total = mine.reduce((sum, m) => sum + m.engagement, 0);
    return {
      name,
      rule: RULES[name],
      size: mine.length,
      share: rate(mine.length, members.length),
      engagement: mine.length ? round(total / mine.length, 1) : null,
    };
  });
}

/**
 * Every user of the range or the period before it with their segment: the range's and the
 * previous period's user maps, and the users' profiles.
 */
export async function segmentMembers(
  deps: ReportDeps,
  projectId: string,
  query: RangeQuery,
): Promise<{ range: ReportRange; members: Member[] }> {
  const range = parseRange(query, deps.now(), '30d');
  const [current, previous] = await Promise.all([
    readRange(deps, projectId, range.days, { users: true }),
    readRange(deps, projectId, range.previous.days, { users: true }),
  ]);
  const actors = [...Object.keys(current.total.users), ...Object.keys(previous.total.users)];
  const firstDays = await firstDaysOf(deps, projectId, actors);
  return { range, members: classify(range, userDays(current), userDays(previous), firstDays) };
}

/**
 * The segments of some users (a page of a users report) over a range, by user-segments' rules:
 * the range's user maps (passed when the caller read them already) and the previous period's,
 * and the profiles of these users only. A user with no event in either has none (null).
 */
export async function segmentsOf(
  deps: ReportDeps,
  projectId: string,
  range: ReportRange,
  actors: readonly string[],
  current?: readonly UserDay[],
): Promise<Map<string, SegmentName | null>> {
  const out = new Map<string, SegmentName | null>(actors.map((a) => [a, null]));
  if (!actors.length) return out;
  const [cur, previous, firstDays] = await Promise.all([
    current ?? readRange(deps, projectId, range.days, { users: true }).then(userDays),
    readRange(deps, projectId, range.previous.days, { users: true }).then(userDays),
    firstDaysOf(deps, projectId, actors),
  ]);
  // Every user's rule depends on their own days only, so the page's users are classified alone.
  const wanted = new Set(actors);
  const only = (days: readonly UserDay[]) =>
    days.map((d) => ({
      day: d.day,
      users: Object.fromEntries(Object.entries(d.users).filter(([a]) => wanted.has(a))),
    }));
  for (const m of classify(range, only(cur), only(previous), firstDays)) {
    out.set(m.actor, m.segment);
  }
  return out;
}

const userDays = (r: { days: { day: string; parts: { users: Record<string, UserStats> } }[] }) =>
  r.days.map((d) => ({ day: d.day, users: d.parts.users }));

const position = v.object({ e: v.number(), a: v.string() });

/** `GET /api/v1/analytics/user-segments`. */
export const segmentReports = [
  report({
    route: 'GET /api/v1/analytics/user-segments',
    response: segmentsResponse,
    query: v.object({
      project: projectParam,
      ...rangeParams,
      segment: v.optional(
        v.pipe(
          v.picklist(SEGMENTS),
          v.description('List this segment’s members, highest engagement first'),
        ),
      ),
      limit: limitParam(50, 500),
      cursor: cursorParam,
    }),
    run: async ({ deps, projectId, query }): Promise<SegmentsResponse> => {
      const { range, members } = await segmentMembers(deps, projectId, query);
      const rules = rulesFor(range.days.length, range.to);
      let page: SegmentsResponse['members'] = null;
      if (query.segment) {
        const q = fingerprint([projectId, range.from, range.to, query.segment]);
        const after = readCursor(query.cursor, position, q);
        const listed = members
          .filter((m) => m.segment === query.segment)
          .sort(byEngagement)
          .filter(
            (m) =>
              !after ||
              m.engagement < after.e ||
              (m.engagement === after.e && compareText(m.actor, after.a) > 0),
          );
        const users = listed.slice(0, query.limit);
        const last = users[users.length - 1];
        page = {
          segment: query.segment,
          users,
          nextCursor:
            listed.length > query.limit && last
              ? writeCursor({ e: last.engagement, a: last.actor }, q)
              : null,
        };
      }
      return {
        project: projectId,
        range: {
          ...rangeOut(range),
          previous: { from: range.previous.from, to: range.previous.to },
        },
        rules,
        users: members.length,
        segments: summarize(members),
        members: page,
      };
    },
    rows: (body: SegmentsResponse) =>
      body.members ? body.members.users : body.segments.map(({ rule: _r, ...s }) => s),
  }),
];
