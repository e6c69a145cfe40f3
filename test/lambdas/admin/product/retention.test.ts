/**
 * retention against DynamoDB Local: daily and weekly cohorts by first-seen day, returning users
 * per following period `on` and `on_or_after`, each figure recomputed here from the activity
 * sent (not by the report's code), live and after a rebuild; events sent out of order; an empty
 * range; another project never counted; the CSV export.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminDeps } from '../../../../lambdas/admin/report.ts';
import type { RetentionResponse } from '../../../../lambdas/admin/reports/product/types.ts';
import { ingest } from '../../../../lambdas/ingest/ingest.ts';
import { daysBetween } from '../../../../lambdas/model/time.ts';
import { rollupDay } from '../../../../lambdas/rebuild/rollup.ts';
import { adminDeps, ingestDeps, rollupDeps } from '../../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../../helpers/events.ts';
import { adminOnly, callAdmin, callProduct } from '../../../helpers/product.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const MIN = 60_000;
const DAYS = { from: '2026-11-16', to: '2026-11-22' };
// Three ISO weeks, Monday 11-02 to Sunday 11-22: 2026-W45, W46, W47.
const WEEKS = { from: '2026-11-02', to: '2026-11-22' };

let t: TestTable;
let deps: AdminDeps;

const call = (query: Record<string, string>) => callProduct(deps, 'GET', 'retention', { query });

// user → the days they had an event (the first is the day they were first seen)
const ACTIVITY: Record<string, string[]> = {
  a: ['2026-11-16', '2026-11-17', '2026-11-19'],
  b: ['2026-11-16', '2026-11-18'],
  c: ['2026-11-16'],
  d: ['2026-11-17', '2026-11-18', '2026-11-22'],
  e: ['2026-11-18'],
  // first seen before the daily range: in no daily cohort, in W46's
  f: ['2026-11-10', '2026-11-16', '2026-11-17'],
  g: ['2026-11-03', '2026-11-12', '2026-11-20'],
  // W45, then only W47: `on` counts W47 alone, `on_or_after` W46 too
  h: ['2026-11-04', '2026-11-21'],
  // before both ranges
  o: ['2026-10-01', '2026-11-17'],
};

/** ISO week of a day, written out again: its Thursday's year, and that Thursday's week of it. */
function weekOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7) + 3);
  const jan1 = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.floor((d.getTime() - jan1) / 86_400_000 / 7) + 1;
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The cohorts and their returning users, by brute force over the activity. */
function expected(from: string, to: string, step: 'day' | 'week', mode: 'on' | 'on_or_after') {
  const key = (d: string) => (step === 'day' ? d : weekOf(d));
  const periods = [...new Set(daysBetween(from, to).map(key))];
  return periods.map((p, c) => {
    const cohort = Object.entries(ACTIVITY).filter(([, days]) => {
      const first = [...days].sort()[0] as string;
      return first >= from && first <= to && key(first) === p;
    });
    const returning = periods.slice(c).map((_, k) => {
      const users = cohort.filter(([, days]) =>
        days.some((d) => {
          if (d < from || d > to) return false;
          const at = periods.indexOf(key(d));
          return mode === 'on' ? at === c + k : at >= c + k;
        }),
      ).length;
      return {
        period: k,
        users,
        rate: cohort.length ? Math.round((users / cohort.length) * 1e4) / 1e4 : null,
      };
    });
    return { cohort: p, size: cohort.length, periods: returning };
  });
}

beforeAll(async () => {
  t = await createTestTable({ bucketSeconds: 300 });
  deps = adminDeps(t, NOW, { verify: adminOnly });
  const events = Object.entries(ACTIVITY).flatMap(([userId, days]) =>
    days.map((day) => tallyEvent({ userId, event: 'page.viewed', timestamp: `${day}T09:00:00Z` })),
  );
  // Out of order: newest first.
  await ingest(ingestDeps(t, NOW - 60 * MIN), [sqsRecord(events.reverse())]);
  await ingest(ingestDeps(t, NOW - 60 * MIN), [
    sqsRecord([
      tallyEvent({ projectId: 'p2', userId: 'z', event: 'x', timestamp: '2026-11-16T10:00:00Z' }),
    ]),
  ]);
}, 60_000);

async function checkReport() {
  for (const mode of ['on', 'on_or_after'] as const) {
    const daily = await call({ ...DAYS, mode });
    expect(daily.status, JSON.stringify(daily.body)).toBe(200);
    const body = daily.body as RetentionResponse;
    expect(body).toMatchObject({ cohort: 'day', mode });
    expect(body.cohorts).toMatchObject(expected(DAYS.from, DAYS.to, 'day', mode));
    const weekly = await call({ ...WEEKS, cohort: 'week', mode });
    expect((weekly.body as RetentionResponse).cohorts).toMatchObject(
      expected(WEEKS.from, WEEKS.to, 'week', mode),
    );
  }
  // Written out. 11-16's cohort is a, b, c: back on 11-17 a; on 11-18 b; on 11-19 a.
  const on = (await call({ ...DAYS })).body as RetentionResponse;
  expect(on.cohorts[0]?.periods.map((p) => p.users)).toEqual([3, 1, 1, 1, 0, 0, 0]);
  expect(on.cohorts[0]?.periods[1]?.rate).toBe(0.3333);
  const after = (await call({ ...DAYS, mode: 'on_or_after' })).body as RetentionResponse;
  expect(after.cohorts[0]?.periods.map((p) => p.users)).toEqual([3, 2, 2, 1, 0, 0, 0]);
  // Period 1 pooled over the six cohorts that reach it: 11-16 (1 of 3), 11-17 (d: 1 of 1),
  // 11-18 (e: 0 of 1), three empty cohorts.
  expect(on.average[1]).toEqual({ period: 1, cohorts: 6, size: 5, users: 2, rate: 0.4 });
  // Weeks: W45 is g and h; in W46 g is back (on), g and h are back on or after.
  const weeks = (await call({ ...WEEKS, cohort: 'week' })).body as RetentionResponse;
  expect(weeks.cohorts.map((c) => [c.cohort, c.from, c.to, c.size])).toEqual([
    ['2026-W45', '2026-11-02', '2026-11-08', 2],
    ['2026-W46', '2026-11-09', '2026-11-15', 1],
    ['2026-W47', '2026-11-16', '2026-11-22', 5],
  ]);
  expect(weeks.cohorts[0]?.periods.map((p) => p.users)).toEqual([2, 1, 2]);
  const weeksAfter = (await call({ ...WEEKS, cohort: 'week', mode: 'on_or_after' }))
    .body as RetentionResponse;
  expect(weeksAfter.cohorts[0]?.periods.map((p) => p.users)).toEqual([2, 2, 2]);
}

describe('retention', () => {
  it('is exact from the live layer', checkReport);

  it('is the same after a rebuild', async () => {
    for (const day of daysBetween('2026-11-01', '2026-11-22')) {
      await rollupDay(rollupDeps(t, NOW + 30 * MIN), 'p1', day);
    }
    await checkReport();
  }, 90_000);

  it('is empty over a range nobody was first seen in', async () => {
    const res = await call({ from: '2026-01-05', to: '2026-01-07' });
    expect(res.body.cohorts.map((c: { size: number }) => c.size)).toEqual([0, 0, 0]);
    expect(res.body.cohorts[0].periods).toEqual([
      { period: 0, users: 0, rate: null },
      { period: 1, users: 0, rate: null },
      { period: 2, users: 0, rate: null },
    ]);
    expect(res.body.average[0]).toEqual({ period: 0, cohorts: 3, size: 0, users: 0, rate: null });
  });

  it('counts only the project asked for; refuses unknown parameters values', async () => {
    const p2 = await call({ ...DAYS, project: 'p2' });
    expect(p2.body.cohorts.map((c: { size: number }) => c.size)).toEqual([1, 0, 0, 0, 0, 0, 0]);
    const bad = await call({ ...DAYS, cohort: 'month', mode: 'sometimes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/cohort/);
    expect(bad.body.error.message).toMatch(/mode/);
  });

  it('exports one CSV row per cohort and period', async () => {
    const res = await callAdmin(deps, 'GET', 'export/csv', {
      query: { report: 'retention', ...DAYS },
    });
    expect(res.status).toBe(200);
    const lines = res.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('cohort,from,to,size,period,users,rate');
    // 7 + 6 + … + 1 cohort periods.
    expect(lines).toHaveLength(1 + 28);
    expect(lines[2]).toBe('2026-11-16,2026-11-16,2026-11-16,3,1,1,0.3333');
  });
});
