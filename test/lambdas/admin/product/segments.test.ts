/**
 * user-segments against DynamoDB Local: every user of the range and the period before it in one
 * segment by the documented rules, with sizes, shares and engagement recomputed here from the
 * events sent (not by the report's code), live and after a rebuild; members paged with a cursor;
 * an empty range; another project's users never counted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminDeps } from '../../../../lambdas/admin/report.ts';
import type { SegmentsResponse } from '../../../../lambdas/admin/reports/product/types.ts';
import { ingest } from '../../../../lambdas/ingest/ingest.ts';
import { daysBetween } from '../../../../lambdas/model/time.ts';
import { rollupDay } from '../../../../lambdas/rebuild/rollup.ts';
import { adminDeps, ingestDeps, rollupDeps } from '../../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../../helpers/events.ts';
import { adminOnly, callAdmin, callProduct } from '../../../helpers/product.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const MIN = 60_000;
// 14 days: the recent window is the last 3 (11-20 … 11-22), a power user is active on 7.
const RANGE = { from: '2026-11-09', to: '2026-11-22' };
const PREVIOUS = { from: '2026-10-26', to: '2026-11-08' };

let t: TestTable;
let deps: AdminDeps;

const call = (query: Record<string, string> = {}) =>
  callProduct(deps, 'GET', 'user-segments', { query: { ...RANGE, ...query } });

const days = (from: string, to: string) => daysBetween(from, to);

// user → [day, events that day][]
const ACTIVITY: Record<string, [string, number][]> = {
  // first seen in the recent window: new, whatever else they do
  n1: [['2026-11-21', 2]],
  n2: days('2026-11-20', '2026-11-22').map((d) => [d, 1]),
  // first seen the day before the recent window, not seen since: at-risk
  n3: [['2026-11-19', 1]],
  // every day, two events a day, first seen before the range: power
  p1: [['2026-11-01', 1], ...days('2026-11-09', '2026-11-22').map((d): [string, number] => [d, 2])],
  // exactly 7 days, the last one in the recent window: power
  p2: [['2026-10-30', 1], ...days('2026-11-16', '2026-11-22').map((d): [string, number] => [d, 1])],
  // 6 days, one in the recent window: casual
  c1: [['2026-10-28', 1], ...days('2026-11-16', '2026-11-21').map((d): [string, number] => [d, 3])],
  // in the range, none in the recent window: at-risk
  r1: [
    ['2026-10-27', 1],
    ['2026-11-10', 1],
    ['2026-11-12', 4],
    ['2026-11-19', 1],
  ],
  // only in the previous period: dormant
  d1: [['2026-11-05', 1]],
  d2: [['2026-10-26', 5]],
  // before the previous period: not in any segment
  o1: [['2026-10-20', 1]],
};

/** The documented rules and formula, written out again from the activity above. */
function expected(from: string, to: string, prevFrom: string) {
  const n = days(from, to).length;
  const recentFrom = days(from, to).slice(-Math.max(1, Math.floor(n / 4)))[0] as string;
  const power = Math.ceil(n / 2);
  const members: Record<string, { segment: string; engagement: number }> = {};
  for (const [user, list] of Object.entries(ACTIVITY)) {
    const firstSeen = list.map(([d]) => d).sort()[0] as string;
    const inRange = list.filter(([d]) => d >= from && d <= to);
    const inPrevious = list.filter(([d]) => d >= prevFrom && d < from);
    if (!inRange.length && !inPrevious.length) continue;
    const events = inRange.reduce((s, [, e]) => s + e, 0);
    const engagement =
      Math.round(10 * 100 * (0.7 * (inRange.length / n) + 0.3 * Math.min(1, events / (10 * n)))) /
      10;
    let segment = 'casual';
    if (firstSeen >= recentFrom && firstSeen <= to) segment = 'new';
    else if (!inRange.length) segment = 'dormant';
    else if (!inRange.some(([d]) => d >= recentFrom)) segment = 'at-risk';
    else if (inRange.length >= power) segment = 'power';
    members[user] = { segment, engagement };
  }
  return members;
}

beforeAll(async () => {
  t = await createTestTable({ bucketSeconds: 300 });
  deps = adminDeps(t, NOW, { verify: adminOnly });
  const events = Object.entries(ACTIVITY).flatMap(([userId, list]) =>
    list.flatMap(([day, n]) =>
      Array.from({ length: n }, (_, i) =>
        tallyEvent({ userId, event: 'page.viewed', timestamp: `${day}T0${i}:00:00.000Z` }),
      ),
    ),
  );
  await ingest(ingestDeps(t, NOW - 60 * MIN), [sqsRecord(events)]);
  await ingest(ingestDeps(t, NOW - 60 * MIN), [
    sqsRecord([
      tallyEvent({ projectId: 'p2', userId: 'z', event: 'x', timestamp: '2026-11-21T10:00:00Z' }),
    ]),
  ]);
}, 60_000);

async function checkReport() {
  const res = await call();
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const body = res.body as SegmentsResponse;
  const want = expected(RANGE.from, RANGE.to, PREVIOUS.from);
  const total = Object.keys(want).length;
  expect(body.range).toEqual({ name: 'custom', ...RANGE, previous: PREVIOUS });
  expect(body.rules).toEqual({ recentFrom: '2026-11-20', recentDays: 3, powerDays: 7 });
  expect(body.users).toBe(total);
  for (const s of body.segments) {
    const mine = Object.values(want).filter((m) => m.segment === s.name);
    const mean = mine.length
      ? Math.round((10 * mine.reduce((x, m) => x + m.engagement, 0)) / mine.length) / 10
      : null;
    expect(s, s.name).toMatchObject({
      size: mine.length,
      share: Math.round((mine.length / total) * 1e4) / 1e4,
      engagement: mean,
    });
  }
  // Written out: 9 users (o1 is older than both periods).
  expect(Object.fromEntries(body.segments.map((s) => [s.name, s.size]))).toEqual({
    new: 2,
    power: 2,
    casual: 1,
    'at-risk': 2,
    dormant: 2,
  });
  // p1: 14 of 14 days, 28 events ≥ 10 a day → 70 × 1 + 30 × 0.2 = 76; p2: 7 days, 7 events →
  // 35 + 1.5 = 36.5; the power segment's mean is 56.3 (56.25 rounded half up).
  expect(body.segments.find((s) => s.name === 'power')?.engagement).toBe(56.3);
  expect(body.segments.find((s) => s.name === 'dormant')?.engagement).toBe(0);
  return want;
}

describe('user-segments', () => {
  it('are exact from the live layer', checkReport);

  it('are the same after a rebuild', async () => {
    for (const day of days(PREVIOUS.from, RANGE.to)) {
      await rollupDay(rollupDeps(t, NOW + 30 * MIN), 'p1', day);
    }
    await checkReport();
  }, 90_000);

  it('list a segment’s members a page at a time, highest engagement first', async () => {
    const want = expected(RANGE.from, RANGE.to, PREVIOUS.from);
    const first = await call({ segment: 'at-risk', limit: '1' });
    expect(first.status).toBe(200);
    const page1 = first.body.members;
    // r1: 3 days, 6 events → 15 + 1.3 = 16.3; n3: 1 day, 1 event → 5 + 0.2 = 5.2.
    expect(page1.users.map((u: { actor: string }) => u.actor)).toEqual(['r1']);
    expect(page1.users[0]).toEqual({
      actor: 'r1',
      segment: 'at-risk',
      activeDays: 3,
      events: 6,
      firstSeen: '2026-10-27',
      lastSeen: '2026-11-19',
      engagement: want.r1?.engagement,
    });
    expect(page1.users[0].engagement).toBe(16.3);
    const second = await call({ segment: 'at-risk', limit: '1', cursor: page1.nextCursor });
    expect(second.body.members.users.map((u: { actor: string }) => u.actor)).toEqual(['n3']);
    expect(second.body.members.nextCursor).toBeNull();
    // A cursor of another segment is refused.
    const replay = await call({ segment: 'power', cursor: page1.nextCursor });
    expect(replay.status).toBe(400);
    expect(replay.body.error.message).toMatch(/cursor/);
    const dormant = await call({ segment: 'dormant' });
    expect(
      dormant.body.members.users.map((u: { actor: string; lastSeen: string }) => [
        u.actor,
        u.lastSeen,
      ]),
    ).toEqual([
      ['d1', '2026-11-05'],
      ['d2', '2026-10-26'],
    ]);
  });

  it("show in the users reports with segments=true: each user's, by the same rules", async () => {
    const want = expected(RANGE.from, RANGE.to, PREVIOUS.from);
    const segmentOf = (user: string) => want[user]?.segment ?? null;
    const users = (route: string, query: Record<string, string>) =>
      callProduct(deps, 'GET', route, { query: { ...query, segments: 'true' } });

    // users/top and users/list?active_only over the range: its active users.
    const top = await users('users/top', { ...RANGE, limit: '500' });
    expect(top.status).toBe(200);
    const active = Object.keys(ACTIVITY).filter((u) =>
      ACTIVITY[u]?.some(([d]) => d >= RANGE.from && d <= RANGE.to),
    );
    expect(top.body.users.map((u: { userId: string }) => u.userId).sort()).toEqual(active.sort());
    for (const u of top.body.users) expect(u.segment, u.userId).toBe(segmentOf(u.userId));
    // Written out: n1, n2 new; n3, r1 at-risk; p1, p2 power; c1 casual.
    expect(
      Object.fromEntries(
        top.body.users.map((u: { userId: string; segment: string }) => [u.userId, u.segment]),
      ),
    ).toEqual({
      n1: 'new',
      n2: 'new',
      n3: 'at-risk',
      p1: 'power',
      p2: 'power',
      c1: 'casual',
      r1: 'at-risk',
    });
    const page = await users('users/list', { ...RANGE, active_only: 'true', limit: '3' });
    expect(
      page.body.users.map((u: { userId: string; segment: string }) => [u.userId, u.segment]),
    ).toEqual([
      ['c1', 'casual'],
      ['n1', 'new'],
      ['n2', 'new'],
    ]);

    // The profile list: the last 30 days (user-segments' default) and the 30 before them.
    const last30 = expected('2026-10-24', '2026-11-22', '2026-09-24');
    const all = await users('users/list', { limit: '500' });
    expect(all.status).toBe(200);
    expect(all.body.users.length).toBe(Object.keys(ACTIVITY).length);
    for (const u of all.body.users) {
      expect(u.segment, u.userId).toBe(last30[u.userId]?.segment ?? null);
    }
    // o1 (10-20) lies in the 30 days before: dormant; d2 (10-26) in the range, not recent: at-risk.
    const byUser = Object.fromEntries(
      all.body.users.map((u: { userId: string; segment: string }) => [u.userId, u.segment]),
    );
    expect(byUser).toMatchObject({ o1: 'dormant', d2: 'at-risk', p1: 'power' });

    // Without the parameter, no segment field: the rows as before.
    const plain = await callProduct(deps, 'GET', 'users/top', { query: RANGE });
    expect(plain.body.users[0]).not.toHaveProperty('segment');
  });

  it('are empty over a range nobody was active in', async () => {
    const res = await call({ from: '2026-01-01', to: '2026-01-07' });
    expect(res.body.users).toBe(0);
    for (const s of res.body.segments) {
      expect(s).toMatchObject({ size: 0, share: null, engagement: null });
    }
  });

  it('count only the project asked for, and refuse an unknown segment', async () => {
    const p2 = await call({ project: 'p2' });
    expect(p2.body.users).toBe(1);
    expect(p2.body.segments.find((s: { name: string }) => s.name === 'new')?.size).toBe(1);
    const bad = await call({ segment: 'vip' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/segment/);
  });

  it('export one CSV row per segment, or per member of the one asked for', async () => {
    const res = await callAdmin(deps, 'GET', 'export/csv', {
      query: { report: 'user-segments', ...RANGE },
    });
    expect(res.status).toBe(200);
    const lines = res.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('name,size,share,engagement');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([
      'new',
      'power',
      'casual',
      'at-risk',
      'dormant',
    ]);
    const members = await callAdmin(deps, 'GET', 'export/csv', {
      query: { report: 'user-segments', ...RANGE, segment: 'power' },
    });
    const rows = members.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(rows[0]).toBe('actor,segment,activeDays,events,firstSeen,lastSeen,engagement');
    expect(rows.slice(1)).toEqual([
      'p1,power,14,28,2026-11-01,2026-11-22,76',
      'p2,power,7,7,2026-10-30,2026-11-22,36.5',
    ]);
  });
});
