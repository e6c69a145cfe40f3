/**
 * usage-trends against DynamoDB Local: a generated month and a half of activity for 23 users, and
 * every figure (DAU/WAU/MAU, stickiness, the hour, day, week and month series, the previous
 * period, one event's users) recomputed here by brute force from the generated events — the
 * same answers live, after a rollup that leaves the newest bucket live, and after a full rebuild.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminDeps } from '../../../../lambdas/admin/report.ts';
import { windowCounts } from '../../../../lambdas/admin/reports/product/active-users.ts';
import type {
  TrendPoint,
  UsageTrendsResponse,
} from '../../../../lambdas/admin/reports/product/types.ts';
import { isoWeekOf } from '../../../../lambdas/admin/reports/usage/messages.ts';
import type { TallyEvent } from '../../../../lambdas/model/events.ts';
import { addDays, daysBetween } from '../../../../lambdas/model/time.ts';
import { rollupDay } from '../../../../lambdas/rebuild/rollup.ts';
import { adminDeps, ingestDeps, rollupDeps } from '../../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../../helpers/events.ts';
import { ingestAll } from '../../../helpers/ingest.ts';
import { adminOnly, callProduct } from '../../../helpers/product.ts';

/** Noon on Sunday 2026-11-22. */
const NOW = Date.parse('2026-11-22T12:00:00Z');
const MIN = 60_000;
const FIRST_DAY = '2026-10-01';
const TODAY = '2026-11-22';
const RANGE = { from: '2026-11-09', to: TODAY }; // 14 days; previous: 10-26 … 11-08

let t: TestTable;
let deps: AdminDeps;

const get = (query: Record<string, string>) => callProduct(deps, 'GET', 'usage-trends', { query });

const trends = async (query: Record<string, string>) => {
  const res = await get(query);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as UsageTrendsResponse;
};

// ---- the dataset: who does what, when (a fixed pseudo-random pattern) ----

interface Planned {
  day: string;
  hour: number;
  actor: string;
  kind: 'feature' | 'page' | 'message';
  tokens: number;
}

const DAYS = daysBetween(FIRST_DAY, TODAY);
const USERS = Array.from({ length: 23 }, (_, i) => `u${i}`);

function plan(): Planned[] {
  const out: Planned[] = [];
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  DAYS.forEach((day, d) => {
    USERS.forEach((actor, i) => {
      // Some users are daily, some weekly, some gone after a while.
      const p = i < 4 ? 0.9 : i < 12 ? 0.35 : i < 18 ? 0.12 : d < 20 ? 0.5 : 0;
      if (rnd() >= p) return;
      const hour = Math.floor(rnd() * 24);
      out.push({ day, hour, actor, kind: 'page', tokens: 0 });
      if (rnd() < 0.5) out.push({ day, hour, actor, kind: 'feature', tokens: 0 });
      if (rnd() < 0.4) {
        const h2 = Math.min(23, hour + 1);
        out.push({ day, hour: h2, actor, kind: 'message', tokens: 10 + Math.floor(rnd() * 90) });
      }
    });
  });
  return out;
}

const PLANNED = plan();

function toEvent(p: Planned, n: number): TallyEvent {
  const timestamp = `${p.day}T${String(p.hour).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}:00.000Z`;
  if (p.kind === 'page') {
    return tallyEvent({
      type: 'page',
      event: undefined,
      name: 'Home',
      userId: p.actor,
      timestamp,
      properties: { path: '/' },
    });
  }
  return tallyEvent({
    userId: p.actor,
    event: p.kind === 'feature' ? 'report.exported' : 'message.sent',
    timestamp,
    properties: p.kind === 'message' ? { tokens: p.tokens, conversationId: `c-${p.actor}` } : {},
  });
}

// ---- expected figures, by brute force over the plan ----

const activeOn = (day: string, pred: (p: Planned) => boolean = () => true) =>
  new Set(PLANNED.filter((p) => p.day === day && pred(p)).map((p) => p.actor));

const distinctOver = (from: string, to: string, pred?: (p: Planned) => boolean) =>
  new Set(
    PLANNED.filter((p) => p.day >= from && p.day <= to && (!pred || pred(p))).map((p) => p.actor),
  ).size;

const firstDayOf = new Map<string, string>();
for (const p of [...PLANNED].sort((a, b) => (a.day < b.day ? -1 : 1))) {
  if (!firstDayOf.has(p.actor)) firstDayOf.set(p.actor, p.day);
}

function expectedDaily(from: string, to: string) {
  return daysBetween(from, to).map((date) => {
    const dau = activeOn(date).size;
    const wau = distinctOver(addDays(date, -6), date);
    const mau = distinctOver(addDays(date, -29), date);
    return {
      date,
      dau,
      wau,
      mau,
      stickiness: mau ? Math.round((dau / mau) * 10_000) / 10_000 : null,
    };
  });
}

function expectedPoint(from: string, to: string) {
  const inPeriod = PLANNED.filter((p) => p.day >= from && p.day <= to);
  const count = (kind: Planned['kind']) => inPeriod.filter((p) => p.kind === kind).length;
  const seenBy = (day: string) => [...firstDayOf.values()].filter((d) => d <= day).length;
  return {
    activeUsers: distinctOver(from, to),
    newUsers: [...firstDayOf.values()].filter((d) => d >= from && d <= to).length,
    totalUsers: seenBy(to),
    events: inPeriod.length,
    pageViews: count('page'),
    messages: count('message'),
    tokens: inPeriod.reduce((s, p) => s + p.tokens, 0),
    conversations: 0,
    errors: 0,
    apiCalls: 0,
    apiErrors: 0,
    eventCount: count('feature'),
    eventUsers: distinctOver(from, to, (p) => p.kind === 'feature'),
  };
}

function expectedWeeks(from: string, to: string) {
  const weeks = new Map<string, string[]>();
  for (const d of daysBetween(from, to)) {
    const w = isoWeekOf(d);
    weeks.set(w, [...(weeks.get(w) ?? []), d]);
  }
  return [...weeks].map(([period, days]) => ({
    period,
    from: days[0],
    to: days[days.length - 1],
    ...expectedPoint(days[0] as string, days[days.length - 1] as string),
  }));
}

const pick = (p: TrendPoint) => {
  const { period: _p, from: _f, to: _t, ...rest } = p;
  return rest;
};

beforeAll(async () => {
  t = await createTestTable({ bucketSeconds: 300 });
  deps = adminDeps(t, NOW, { verify: adminOnly });
  const events = PLANNED.map(toEvent);
  // Stored an hour ago, in records of 100; the last 20 a minute ago (live after the rollup).
  const early = events.slice(0, -20);
  const late = events.slice(-20);
  const records = [];
  for (let i = 0; i < early.length; i += 100) records.push(sqsRecord(early.slice(i, i + 100)));
  await ingestAll(ingestDeps(t, NOW - 60 * MIN), records);
  await ingestAll(ingestDeps(t, NOW - MIN), [sqsRecord(late)]);
  // Another project's users must not show.
  await ingestAll(ingestDeps(t, NOW - 60 * MIN), [
    sqsRecord([
      tallyEvent({
        projectId: 'p2',
        userId: 'x',
        event: 'report.exported',
        timestamp: `${TODAY}T09:00:00.000Z`,
      }),
    ]),
  ]);
}, 120_000);

async function checkAll() {
  const body = await trends({ ...RANGE, event: 'report.exported' });
  expect(body.daily).toEqual(expectedDaily(RANGE.from, RANGE.to));

  // Headline: mean DAU over the range, WAU and MAU on its last day.
  const days = expectedDaily(RANGE.from, RANGE.to);
  const meanDau = days.reduce((s, d) => s + d.dau, 0) / days.length;
  const last = days[days.length - 1];
  expect(body.activeUsers.dau).toBe(Math.round(meanDau * 10) / 10);
  expect(body.activeUsers.wau).toBe(last?.wau);
  expect(body.activeUsers.mau).toBe(last?.mau);
  expect(body.activeUsers.stickiness).toBe(Math.round((meanDau / (last?.mau ?? 1)) * 1e4) / 1e4);
  const prevDays = expectedDaily('2026-10-26', '2026-11-08');
  expect(body.activeUsers.previous.mau).toBe(prevDays[prevDays.length - 1]?.mau);

  // Day series: one point per day, each exact.
  expect(body.series).toHaveLength(14);
  for (const p of body.series) expect(pick(p), p.period).toEqual(expectedPoint(p.from, p.to));
  expect(body.previousSeries.map((p) => p.period)).toEqual(daysBetween('2026-10-26', '2026-11-08'));
  for (const p of body.previousSeries)
    expect(pick(p), p.period).toEqual(expectedPoint(p.from, p.to));

  // Totals against the previous period.
  const cur = expectedPoint(RANGE.from, RANGE.to);
  const prev = expectedPoint('2026-10-26', '2026-11-08');
  expect(body.totals.activeUsers.value).toBe(cur.activeUsers);
  expect(body.totals.activeUsers.previous).toBe(prev.activeUsers);
  expect(body.totals.pageViews).toEqual({
    value: cur.pageViews,
    previous: prev.pageViews,
    change: Math.round(((cur.pageViews - prev.pageViews) / prev.pageViews) * 1000) / 1000,
  });
  expect(body.totals.eventUsers?.value).toBe(cur.eventUsers);
  expect(body.totals.newUsers.value).toBe(cur.newUsers);

  // Weeks (cut by the range at its ends) and months.
  const weekly = await trends({ ...RANGE, granularity: 'week', event: 'report.exported' });
  expect(
    weekly.series.map((p) => ({ period: p.period, from: p.from, to: p.to, ...pick(p) })),
  ).toEqual(expectedWeeks(RANGE.from, RANGE.to));
  const monthly = await trends({ from: '2026-10-05', to: TODAY, granularity: 'month' });
  expect(monthly.series.map((p) => [p.period, p.from, p.to, p.activeUsers, p.events])).toEqual([
    [
      '2026-10',
      '2026-10-05',
      '2026-10-31',
      distinctOver('2026-10-05', '2026-10-31'),
      expectedPoint('2026-10-05', '2026-10-31').events,
    ],
    [
      '2026-11',
      '2026-11-01',
      TODAY,
      distinctOver('2026-11-01', TODAY),
      expectedPoint('2026-11-01', TODAY).events,
    ],
  ]);

  // Hours: distinct users and counts per hour of each day.
  const hourly = await trends({ from: '2026-11-21', to: TODAY, granularity: 'hour' });
  expect(hourly.series).toHaveLength(48);
  for (const p of hourly.series) {
    const [day, hh] = p.period.split('T') as [string, string];
    const inHour = PLANNED.filter((x) => x.day === day && x.hour === Number(hh));
    expect([p.activeUsers, p.events, p.pageViews, p.messages, p.tokens]).toEqual([
      new Set(inHour.map((x) => x.actor)).size,
      inHour.length,
      inHour.filter((x) => x.kind === 'page').length,
      inHour.filter((x) => x.kind === 'message').length,
      inHour.reduce((s, x) => s + x.tokens, 0),
    ]);
    expect(p.newUsers).toBeNull();
  }
}

describe('usage-trends on a generated dataset, by brute force', () => {
  it('answers exactly from the live layer, before any rollup', checkAll, 60_000);

  it('answers the same when the rollup has folded all but the newest bucket', async () => {
    for (const day of DAYS) await rollupDay(rollupDeps(t, NOW), 'p1', day);
    await checkAll();
  }, 120_000);

  it('answers the same when everything is rebuilt', async () => {
    for (const day of DAYS) await rollupDay(rollupDeps(t, NOW + 30 * MIN), 'p1', day);
    await checkAll();
  }, 120_000);
});

describe('windowCounts', () => {
  it('counts an actor once per window, however many of its days fall in it', () => {
    const days = daysBetween('2026-01-01', '2026-01-10');
    const active = new Map([
      ['2026-01-01', ['a', 'b']],
      ['2026-01-02', ['a']],
      ['2026-01-05', ['a', 'c']],
      ['2026-01-10', ['b']],
    ]);
    // Window 3: day i counts actors active on i-2 … i.
    expect(windowCounts(days, active, 3)).toEqual([2, 2, 2, 1, 2, 2, 2, 0, 0, 1]);
  });
});

describe('validation', () => {
  it('refuses an hourly series over more than 31 days, and an unknown granularity', async () => {
    const long = await get({ from: '2026-10-01', to: TODAY, granularity: 'hour' });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toMatch(/at most 31 days/);
    const bad = await get({ granularity: 'year' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/granularity/);
  });
});
