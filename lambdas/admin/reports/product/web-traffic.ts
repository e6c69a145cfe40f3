/**
 * `web-traffic`: page views, visitors, sessions (30-minute idle rule), bounce rate, session
 * duration, pages (views, entries, exits), referrer hosts, UTM tags, browsers, operating systems,
 * devices, and the visitors of the last 5 minutes — from each visitor-day's session summaries
 * (store/web.ts) in the days' user maps, so the read grows with the days and visitors asked for,
 * never with the events (docs/data-model.md).
 *
 * A visitor is an actor with a page view: for the browser tracker a daily-salted cookieless id
 * (docs/tracking.md), so one person on two days is two visitors, as in Plausible. Only sessions
 * with a page view count. A bounce is a session of one page view and no other event.
 */
import * as v from 'valibot';
import { dayOf } from '../../../model/time.ts';
import type { UserStats } from '../../../store/aggregate.ts';
import type { WebSession, WebStats } from '../../../store/web.ts';
import { parseRange, rangeOut } from '../../range.ts';
import { readRange } from '../../read.ts';
import { intParam, projectParam, rangeParams, report } from '../../report.ts';
import { count, day, nullableNumber, range } from '../../responses.ts';

/** "Visitors in the last 5 minutes": a page view or browser event within this of now. */
export const LIVE_WINDOW_MS = 5 * 60_000;
/** What a session without a referrer host (typed, bookmarked, or stripped) is listed under. */
export const DIRECT = '(direct)';
/** What a missing UTM tag, browser, OS or device is listed under. */
export const NONE = '(none)';

/** One visitor-day's web traffic: the actor and its summary. */
export interface VisitorDay {
  day: string;
  actor: string;
  web: WebStats;
}

export interface Breakdown {
  value: string;
  visitors: number;
  sessions: number;
}

export interface PageRow {
  path: string;
  views: number;
  visitors: number;
  entries: number;
  exits: number;
}

export interface TrafficTotals {
  pageViews: number;
  visitors: number;
  sessions: number;
  bounces: number;
  /** Percent of sessions; null without sessions. */
  bounceRate: number | null;
  /** Mean of (last hit − first hit) over sessions, seconds; null without sessions. */
  avgSessionDurationSeconds: number | null;
  viewsPerSession: number | null;
}

export interface WebTraffic extends TrafficTotals {
  liveVisitors: number;
  daily: (TrafficTotals & { day: string })[];
  pages: PageRow[];
  entryPages: PageRow[];
  exitPages: PageRow[];
  referrers: Breakdown[];
  utmSources: Breakdown[];
  utmMediums: Breakdown[];
  utmCampaigns: Breakdown[];
  browsers: Breakdown[];
  operatingSystems: Breakdown[];
  devices: Breakdown[];
}

const webSessions = (w: WebStats) => w.s.filter((s) => s.pv > 0);

/** Totals of some visitor-days (visitors counted once each, across days too). */
export function trafficTotals(visitorDays: Iterable<VisitorDay>): TrafficTotals {
  const visitors = new Set<string>();
  let pageViews = 0;
  let sessions = 0;
  let bounces = 0;
  let durationMs = 0;
  for (const { actor, web } of visitorDays) {
    const own = webSessions(web);
    if (!own.length) continue;
    visitors.add(actor);
    for (const s of own) {
      pageViews += s.pv;
      sessions++;
      if (s.pv === 1 && s.ev === 0) bounces++;
      durationMs += s.b - s.a;
    }
  }
  const per = (n: number) => (sessions ? n / sessions : null);
  const bounce = per(bounces);
  const duration = per(durationMs);
  return {
    pageViews,
    visitors: visitors.size,
    sessions,
    bounces,
    bounceRate: bounce === null ? null : bounce * 100,
    avgSessionDurationSeconds: duration === null ? null : duration / 1000,
    viewsPerSession: per(pageViews),
  };
}

class Tally {
  private readonly rows = new Map<string, { visitors: Set<string>; sessions: number }>();
  add(value: string | undefined, actor: string, sessions: number) {
    const key = value ?? NONE;
    let row = this.rows.get(key);
    if (!row) {
      row = { visitors: new Set(), sessions: 0 };
      this.rows.set(key, row);
    }
    row.visitors.add(actor);
    row.sessions += sessions;
  }
  top(limit: number): Breakdown[] {
    return [...this.rows]
      .map(([value, r]) => ({ value, visitors: r.visitors.size, sessions: r.sessions }))
      .sort((a, b) => b.visitors - a.visitors || b.sessions - a.sessions || cmp(a.value, b.value))
      .slice(0, limit);
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Visitors with a page-view session whose last hit is within LIVE_WINDOW_MS before `now`. */
export function liveVisitors(visitorDays: Iterable<VisitorDay>, now: number): number {
  const live = new Set<string>();
  for (const { actor, web } of visitorDays) {
    if (webSessions(web).some((s) => s.b >= now - LIVE_WINDOW_MS && s.a <= now)) live.add(actor);
  }
  return live.size;
}

/**
 * The report's figures from the visitor-days of the range, and the live count from those of the
 * days the last 5 minutes fall in (`live`).
 */
export function webTraffic(
  days: readonly string[],
  visitorDays: readonly VisitorDay[],
  live: readonly VisitorDay[],
  now: number,
  limit: number,
): WebTraffic {
  const pages = new Map<
    string,
    { views: number; visitors: Set<string>; entries: number; exits: number }
  >();
  const page = (path: string) => {
    let p = pages.get(path);
    if (!p) {
      p = { views: 0, visitors: new Set(), entries: 0, exits: 0 };
      pages.set(path, p);
    }
    return p;
  };
  const referrers = new Tally();
  const sources = new Tally();
  const mediums = new Tally();
  const campaigns = new Tally();
  const browsers = new Tally();
  const systems = new Tally();
  const devices = new Tally();
  for (const { actor, web } of visitorDays) {
    const own = webSessions(web);
    if (!own.length) continue;
    for (const [path, views] of Object.entries(web.p)) {
      const p = page(path);
      p.views += views;
      p.visitors.add(actor);
    }
    const bySession = (key: (s: WebSession) => string | undefined, into: Tally) => {
      const counts = new Map<string | undefined, number>();
      for (const s of own) counts.set(key(s), (counts.get(key(s)) ?? 0) + 1);
      for (const [value, n] of counts) into.add(value, actor, n);
    };
    for (const s of own) {
      page(s.en ?? '/').entries++;
      page(s.ex ?? '/').exits++;
    }
    bySession((s) => s.r ?? DIRECT, referrers);
    bySession((s) => s.us, sources);
    bySession((s) => s.um, mediums);
    bySession((s) => s.uc, campaigns);
    // A visitor-day's sessions under each of its browsers (one, for the tracker's ids).
    for (const name of web.br?.length ? web.br : [undefined]) browsers.add(name, actor, own.length);
    for (const name of web.os?.length ? web.os : [undefined]) systems.add(name, actor, own.length);
    for (const name of web.dv?.length ? web.dv : [undefined]) devices.add(name, actor, own.length);
  }
  const pageRows = [...pages].map(([path, p]) => ({
    path,
    views: p.views,
    visitors: p.visitors.size,
    entries: p.entries,
    exits: p.exits,
  }));
  const topBy = (key: 'views' | 'entries' | 'exits') =>
    pageRows
      .filter((p) => p[key] > 0)
      .sort((a, b) => b[key] - a[key] || b.visitors - a.visitors || cmp(a.path, b.path))
      .slice(0, limit);
  const byDay = new Map<string, VisitorDay[]>(days.map((d) => [d, []]));
  for (const vd of visitorDays) byDay.get(vd.day)?.push(vd);
  return {
    ...trafficTotals(visitorDays),
    liveVisitors: liveVisitors(live, now),
    daily: [...byDay].map(([d, list]) => ({ day: d, ...trafficTotals(list) })),
    pages: topBy('views'),
    entryPages: topBy('entries'),
    exitPages: topBy('exits'),
    referrers: referrers.top(limit),
    utmSources: sources.top(limit),
    utmMediums: mediums.top(limit),
    utmCampaigns: campaigns.top(limit),
    browsers: browsers.top(limit),
    operatingSystems: systems.top(limit),
    devices: devices.top(limit),
  };
}

/** The visitor-days of a day's user map. */
export function visitorDaysOf(dayOf: string, users: Record<string, UserStats>): VisitorDay[] {
  const out: VisitorDay[] = [];
  for (const [actor, u] of Object.entries(users)) {
    if (u.web) out.push({ day: dayOf, actor, web: u.web });
  }
  return out;
}

const rate = v.pipe(nullableNumber, v.description('Percent of sessions; null without sessions'));
const totals = {
  pageViews: count,
  visitors: v.pipe(count, v.description('Distinct visitors with a page view')),
  sessions: v.pipe(count, v.description('Sessions with a page view (30-minute idle rule)')),
  bounces: v.pipe(count, v.description('Sessions of one page view and no other event')),
  bounceRate: rate,
  avgSessionDurationSeconds: v.pipe(
    nullableNumber,
    v.description('Mean of last hit − first hit over sessions; null without sessions'),
  ),
  viewsPerSession: nullableNumber,
};
const pageRow = v.strictObject({
  path: v.string(),
  views: count,
  visitors: count,
  entries: v.pipe(count, v.description('Sessions that began on it')),
  exits: v.pipe(count, v.description('Sessions whose last page view it was')),
});
const breakdown = v.array(
  v.strictObject({
    value: v.string(),
    visitors: count,
    sessions: count,
  }),
);

export const webTrafficResponse = v.strictObject({
  project: v.string(),
  range,
  ...totals,
  liveVisitors: v.pipe(count, v.description('Visitors with a hit in the last 5 minutes')),
  daily: v.array(v.strictObject({ day, ...totals })),
  pages: v.array(pageRow),
  entryPages: v.array(pageRow),
  exitPages: v.array(pageRow),
  referrers: v.pipe(
    breakdown,
    v.description(`By the entry page's referrer host; ${DIRECT} without`),
  ),
  utmSources: breakdown,
  utmMediums: breakdown,
  utmCampaigns: breakdown,
  browsers: breakdown,
  operatingSystems: breakdown,
  devices: breakdown,
});

export type WebTrafficResponse = v.InferOutput<typeof webTrafficResponse>;

/** The lists of the answer, each of which the CSV export can hold (`table=`). */
export const WEB_TABLES = [
  'pages',
  'entryPages',
  'exitPages',
  'referrers',
  'utmSources',
  'utmMediums',
  'utmCampaigns',
  'browsers',
  'operatingSystems',
  'devices',
  'daily',
] as const;
export type WebTable = (typeof WEB_TABLES)[number];

/** `GET /api/v1/analytics/web-traffic`. */
export const webTrafficReport = report({
  route: 'GET /api/v1/analytics/web-traffic',
  response: webTrafficResponse,
  query: v.object({
    project: projectParam,
    ...rangeParams,
    limit: intParam(10, 100, 'Rows of each list'),
    table: v.optional(
      v.pipe(
        v.picklist(WEB_TABLES),
        v.description('The list the CSV export holds (default pages); the JSON has them all'),
      ),
      'pages',
    ),
  }),
  run: async ({ deps, projectId, query }): Promise<WebTrafficResponse> => {
    const now = deps.now();
    const r = parseRange(query, now);
    // The last 5 minutes lie in today, and yesterday just after midnight.
    const liveDays = [...new Set([dayOf(now - LIVE_WINDOW_MS), dayOf(now)])];
    const extra = liveDays.filter((d) => !r.days.includes(d));
    const [view, more] = await Promise.all([
      readRange(deps, projectId, r.days, { users: true }),
      extra.length ? readRange(deps, projectId, extra, { users: true }) : undefined,
    ]);
    const all = [...view.days, ...(more?.days ?? [])];
    const visitorDays = (days: readonly string[]) =>
      all.filter((d) => days.includes(d.day)).flatMap((d) => visitorDaysOf(d.day, d.parts.users));
    return {
      project: projectId,
      range: rangeOut(r),
      ...webTraffic(r.days, visitorDays(r.days), visitorDays(liveDays), now, query.limit),
    };
  },
  rows: (body: WebTrafficResponse, query: { table: WebTable }) =>
    body[query.table] as unknown as Record<string, unknown>[],
});
