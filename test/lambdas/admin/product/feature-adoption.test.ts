/**
 * feature-adoption and the feature definitions against DynamoDB Local: the seed's defaults while
 * nothing is declared, declare / replace / delete through the API, and every figure (uses,
 * distinct users, adoption rate, trend, history) recomputed here from the events sent — live and
 * after a rebuild.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminDeps } from '../../../../lambdas/admin/report.ts';
import { trendOf } from '../../../../lambdas/admin/reports/product/feature-adoption.ts';
import type { FeatureAdoptionResponse } from '../../../../lambdas/admin/reports/product/types.ts';
import { daysBetween } from '../../../../lambdas/model/time.ts';
import { rollupDay } from '../../../../lambdas/rebuild/rollup.ts';
import { DEFAULT_FEATURES } from '../../../../lambdas/store/features.ts';
import { adminDeps, ingestDeps, rollupDeps } from '../../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../../helpers/events.ts';
import { ingestAll } from '../../../helpers/ingest.ts';
import { adminOnly, callProduct } from '../../../helpers/product.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const MIN = 60_000;

let t: TestTable;
let deps: AdminDeps;

const call = (
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  query: Record<string, string> = {},
  body?: unknown,
) => callProduct(deps, method, path, { query, body });

// Range 11-16 … 11-22; previous 11-09 … 11-15.
// [day, user, event]
const USES: [string, string, string][] = [
  // previous period: a, b, c active; a and b export once each, a deploys
  ['2026-11-10', 'a', 'report.exported'],
  ['2026-11-10', 'a', 'deployment.completed'],
  ['2026-11-11', 'b', 'report.exported'],
  ['2026-11-12', 'c', 'page.viewed'],
  ['2026-11-13', 'd', 'page.viewed'],
  // range: a, b, c, d, e active
  ['2026-11-16', 'a', 'report.exported'],
  ['2026-11-16', 'a', 'report.exported'],
  ['2026-11-17', 'b', 'deployment.completed'],
  ['2026-11-17', 'c', 'deployment.completed'],
  ['2026-11-18', 'c', 'deployment.completed'],
  ['2026-11-20', 'd', 'page.viewed'],
  ['2026-11-22', 'e', 'deployment.completed'],
  ['2026-11-22', 'a', 'page.viewed'],
];

const RANGE = { from: '2026-11-16', to: '2026-11-22' };

function expected(event: string, from: string, to: string) {
  const inRange = USES.filter(([d]) => d >= from && d <= to);
  const active = new Set(inRange.map(([, u]) => u));
  const hits = inRange.filter(([, , e]) => e === event);
  const users = new Set(hits.map(([, u]) => u));
  return {
    usage: hits.length,
    uniqueUsers: users.size,
    adoptionRate: active.size ? Math.round((users.size / active.size) * 1e4) / 1e4 : null,
  };
}

beforeAll(async () => {
  t = await createTestTable({ bucketSeconds: 300 });
  deps = adminDeps(t, NOW, { verify: adminOnly });
  const events = USES.map(([day, user, event], i) =>
    tallyEvent({
      userId: user,
      event,
      timestamp: `${day}T10:${String(i).padStart(2, '0')}:00.000Z`,
    }),
  );
  await ingestAll(ingestDeps(t, NOW - 60 * MIN), [sqsRecord(events)]);
  await ingestAll(ingestDeps(t, NOW - 60 * MIN), [
    sqsRecord([
      tallyEvent({
        projectId: 'p2',
        userId: 'z',
        event: 'report.exported',
        timestamp: '2026-11-20T10:00:00.000Z',
      }),
    ]),
  ]);
}, 60_000);

async function checkReport() {
  const res = await call('GET', 'feature-adoption', { ...RANGE, granularity: 'day' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const body = res.body as FeatureAdoptionResponse;
  expect(body.defaults).toBe(false);
  expect(body.activeUsers).toBe(5);
  expect(body.previousActiveUsers).toBe(4);
  const byName = new Map(body.features.map((f) => [f.name, f]));
  const exports = byName.get('Export');
  const deploys = byName.get('Deploy');
  for (const [f, event] of [
    [exports, 'report.exported'],
    [deploys, 'deployment.completed'],
  ] as const) {
    const now = expected(event, RANGE.from, RANGE.to);
    const before = expected(event, '2026-11-09', '2026-11-15');
    expect(f).toMatchObject({ ...now, previous: before });
  }
  // Export: 1/5 now vs 2/4 before — down. Deploy: 3/5 vs 1/4 — up.
  expect(exports?.trend).toBe('down');
  expect(deploys?.trend).toBe('up');
  expect(deploys?.change).toBe(Math.round(((0.6 - 0.25) / 0.25) * 1000) / 1000);
  // History: one point per day, each the day's own figures.
  expect(deploys?.history.map((h) => h.period)).toEqual(daysBetween(RANGE.from, RANGE.to));
  for (const h of deploys?.history ?? []) {
    expect(h).toMatchObject(expected('deployment.completed', h.from, h.to));
  }
  const weekly = await call('GET', 'feature-adoption', { ...RANGE, granularity: 'week' });
  const w = (weekly.body as FeatureAdoptionResponse).features.find((f) => f.name === 'Deploy');
  expect(w?.history.map((h) => [h.period, h.uniqueUsers])).toEqual([['2026-W47', 3]]);
}

describe('feature definitions', () => {
  it('lists the seed defaults while none is declared, and reports them', async () => {
    const list = await call('GET', 'feature-adoption/features');
    expect(list.body).toEqual({ project: 'p1', features: DEFAULT_FEATURES, defaults: true });
    const report = await call('GET', 'feature-adoption', RANGE);
    expect(report.body.defaults).toBe(true);
    expect(report.body.features.map((f: { name: string }) => f.name)).toEqual(
      DEFAULT_FEATURES.map((f) => f.name),
    );
    const deploy = report.body.features.find(
      (f: { name: string }) => f.name === 'Deploy Application',
    );
    expect(deploy).toMatchObject(expected('deployment.completed', RANGE.from, RANGE.to));
  });

  it('declares, replaces and deletes features; bad bodies are 400s naming the field', async () => {
    expect(
      (await call('POST', 'feature-adoption/features', {}, { name: 'Export', event: 'x' })).status,
    ).toBe(201);
    // Replaced by name.
    const put = await call(
      'POST',
      'feature-adoption/features',
      {},
      { name: 'Export', event: 'report.exported' },
    );
    expect(put).toEqual({
      status: 201,
      body: { project: 'p1', feature: { name: 'Export', event: 'report.exported' } },
    });
    await call(
      'POST',
      'feature-adoption/features',
      {},
      { name: 'Deploy', event: 'deployment.completed' },
    );
    await call('POST', 'feature-adoption/features', {}, { name: 'Gone', event: 'nothing' });
    expect((await call('DELETE', 'feature-adoption/features', { name: 'Gone' })).status).toBe(200);
    expect((await call('DELETE', 'feature-adoption/features', { name: 'Gone' })).status).toBe(404);
    const list = await call('GET', 'feature-adoption/features');
    expect(list.body.defaults).toBe(false);
    expect(list.body.features).toEqual([
      { name: 'Deploy', event: 'deployment.completed' },
      { name: 'Export', event: 'report.exported' },
    ]);
    const bad = await call(
      'POST',
      'feature-adoption/features',
      {},
      { name: 'bad/name', event: '' },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/name/);
    expect(bad.body.error.message).toMatch(/event/);
    // Another project still sees the defaults.
    const other = await call('GET', 'feature-adoption/features', { project: 'p2' });
    expect(other.body.defaults).toBe(true);
  });
});

describe('feature-adoption figures', () => {
  it('are exact from the live layer', checkReport);

  it('are the same after a rebuild', async () => {
    for (const day of daysBetween('2026-11-09', '2026-11-22')) {
      await rollupDay(rollupDeps(t, NOW + 30 * MIN), 'p1', day);
    }
    await checkReport();
  }, 60_000);
});

describe('trendOf', () => {
  it('is up or down beyond the threshold, stable within it', () => {
    expect(trendOf(0.54, 0.5, 0.1)).toBe('stable');
    expect(trendOf(0.56, 0.5, 0.1)).toBe('up');
    expect(trendOf(0.44, 0.5, 0.1)).toBe('down');
    expect(trendOf(0.1, 0, 0.1)).toBe('up');
    expect(trendOf(null, null, 0.1)).toBe('stable');
  });
});
