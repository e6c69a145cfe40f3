/**
 * Funnels against DynamoDB Local: the standard funnels, declare / replace / delete through the
 * API, and every figure of a funnel (entered, completed, rates, median and p90 time to convert)
 * recomputed here from the events sent — by a plain walk over every event of each user, not by
 * the per-user-day maps the report reads — live and after a rebuild. The dataset holds the edge
 * cases: a user who skips a step, events sent out of order, a step outside the window, a step
 * done before step 1, a step-1 event before the range, a conversion after the range's last day.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminDeps } from '../../../../lambdas/admin/report.ts';
import { stepTimes } from '../../../../lambdas/admin/reports/product/funnels.ts';
import type { FunnelResponse } from '../../../../lambdas/admin/reports/product/types.ts';
import { ingest } from '../../../../lambdas/ingest/ingest.ts';
import { daysBetween } from '../../../../lambdas/model/time.ts';
import { rollupDay } from '../../../../lambdas/rebuild/rollup.ts';
import { STANDARD_FUNNELS } from '../../../../lambdas/store/funnels.ts';
import { adminDeps, ingestDeps, rollupDeps } from '../../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../../helpers/events.ts';
import { adminOnly, callAdmin, callProduct } from '../../../helpers/product.ts';

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

const CHECKOUT = {
  name: 'checkout',
  steps: [{ event: 'item.viewed' }, { event: 'cart.added' }, { event: 'order.paid' }],
  windowSeconds: 3600,
};
const RANGE = { from: '2026-11-16', to: '2026-11-20' };

// [user, ISO time, event]
const EVENTS: [string, string, string][] = [
  // u1 converts: 10 min to the cart, 20 more to pay
  ['u1', '2026-11-16T10:00:00Z', 'item.viewed'],
  ['u1', '2026-11-16T10:10:00Z', 'cart.added'],
  ['u1', '2026-11-16T10:30:00Z', 'order.paid'],
  // u2 skips the cart (pays first), adds to the cart later, never pays after: step 2
  ['u2', '2026-11-16T10:00:00Z', 'item.viewed'],
  ['u2', '2026-11-16T10:05:00Z', 'order.paid'],
  ['u2', '2026-11-16T10:20:00Z', 'cart.added'],
  // u3's events are sent in reverse order (below); by time it converts in 3 minutes
  ['u3', '2026-11-17T09:03:00Z', 'order.paid'],
  ['u3', '2026-11-17T09:02:00Z', 'cart.added'],
  ['u3', '2026-11-17T09:00:00Z', 'item.viewed'],
  // u4 pays 90 minutes after viewing: outside the one-hour window, so step 2
  ['u4', '2026-11-17T08:00:00Z', 'item.viewed'],
  ['u4', '2026-11-17T08:30:00Z', 'cart.added'],
  ['u4', '2026-11-17T09:30:00Z', 'order.paid'],
  // u5 adds to the cart before viewing: step 1 only
  ['u5', '2026-11-18T07:00:00Z', 'cart.added'],
  ['u5', '2026-11-18T08:00:00Z', 'item.viewed'],
  // u6 viewed before the range; enters on the range's first view of theirs
  ['u6', '2026-11-15T12:00:00Z', 'item.viewed'],
  ['u6', '2026-11-15T12:01:00Z', 'cart.added'],
  ['u6', '2026-11-18T12:00:00Z', 'item.viewed'],
  ['u6', '2026-11-18T12:01:00Z', 'cart.added'],
  ['u6', '2026-11-18T12:02:00Z', 'order.paid'],
  // u7 enters on the range's last day and converts after midnight, the day after the range
  ['u7', '2026-11-20T23:50:00Z', 'item.viewed'],
  ['u7', '2026-11-21T00:10:00Z', 'cart.added'],
  ['u7', '2026-11-21T00:20:00Z', 'order.paid'],
  // u8 only pays: not in the funnel
  ['u8', '2026-11-19T10:00:00Z', 'order.paid'],
  // u9 adds to the cart twice: the first one after the view counts
  ['u9', '2026-11-19T10:00:00Z', 'item.viewed'],
  ['u9', '2026-11-19T10:05:00Z', 'cart.added'],
  ['u9', '2026-11-19T10:40:00Z', 'cart.added'],
  ['u9', '2026-11-19T10:50:00Z', 'order.paid'],
  // u10 views twice: the window runs from the first view, so the payment is 70 min late
  ['u10', '2026-11-19T09:00:00Z', 'item.viewed'],
  ['u10', '2026-11-19T09:30:00Z', 'item.viewed'],
  ['u10', '2026-11-19T09:45:00Z', 'cart.added'],
  ['u10', '2026-11-19T10:10:00Z', 'order.paid'],
  // after the range and its window: not read
  ['u11', '2026-11-22T09:00:00Z', 'item.viewed'],
];

/** Nearest-rank quantile of seconds, written out again here. */
function quantileOf(values: number[], q: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(q * sorted.length) - 1] as number;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * The expected report, from the event list: per user, step 1 is their first step-1 event in the
 * range; step k the earliest step-k event at or after step k−1 within the window of step 1.
 */
function expected(events: [string, string, string][], from: string, to: string, readTo: string) {
  const steps = CHECKOUT.steps.map((s) => s.event);
  const reached = new Map<string, number[]>();
  const users = [...new Set(events.map(([u]) => u))];
  for (const user of users) {
    const mine = events
      .filter(([u, at]) => u === user && at.slice(0, 10) <= readTo)
      .map(([, at, e]) => ({ at: Date.parse(at), day: at.slice(0, 10), e }));
    const entries = mine.filter((x) => x.e === steps[0] && x.day >= from && x.day <= to);
    if (!entries.length) continue;
    const times = [Math.min(...entries.map((x) => x.at))];
    for (let k = 1; k < steps.length; k++) {
      const after = times[k - 1] as number;
      const next = mine
        .filter((x) => x.e === steps[k] && x.at >= after)
        .map((x) => x.at)
        .sort((a, b) => a - b)[0];
      if (next === undefined || next - (times[0] as number) > CHECKOUT.windowSeconds * 1000) break;
      times.push(next);
    }
    reached.set(user, times);
  }
  const lists = [...reached.values()];
  const n = lists.length;
  const rate = (a: number, b: number) => (b ? r4(a / b) : null);
  const converted = lists.filter((l) => l.length === steps.length);
  return {
    users: n,
    converted: converted.length,
    conversionRate: rate(converted.length, n),
    timeToConvert: {
      median: quantileOf(
        converted.map((l) => ((l[2] as number) - (l[0] as number)) / 1000),
        0.5,
      ),
      p90: quantileOf(
        converted.map((l) => ((l[2] as number) - (l[0] as number)) / 1000),
        0.9,
      ),
    },
    steps: steps.map((event, k) => {
      const entered = k === 0 ? n : lists.filter((l) => l.length >= k).length;
      const done = lists.filter((l) => l.length > k);
      const secs = done.map((l) => ((l[k] as number) - (l[k - 1] as number)) / 1000);
      return {
        step: k + 1,
        event,
        entered,
        completed: done.length,
        completionRate: rate(done.length, entered),
        dropOffRate: rate(entered - done.length, entered),
        conversionRate: rate(done.length, n),
        timeToConvert:
          k === 0 ? null : { median: quantileOf(secs, 0.5), p90: quantileOf(secs, 0.9) },
      };
    }),
  };
}

beforeAll(async () => {
  t = await createTestTable({ bucketSeconds: 300 });
  deps = adminDeps(t, NOW, { verify: adminOnly });
  const events = EVENTS.map(([userId, timestamp, event]) =>
    tallyEvent({ userId, event, timestamp }),
  );
  // Out of order: the second half first, then the first half in reverse, in separate batches.
  const half = Math.floor(events.length / 2);
  await ingest(ingestDeps(t, NOW - 60 * MIN), [sqsRecord(events.slice(half))]);
  await ingest(ingestDeps(t, NOW - 50 * MIN), [sqsRecord(events.slice(0, half).reverse())]);
  // Another project's checkout: never in p1's figures.
  await ingest(ingestDeps(t, NOW - 40 * MIN), [
    sqsRecord(
      CHECKOUT.steps.map((s, i) =>
        tallyEvent({
          projectId: 'p2',
          userId: 'z',
          event: s.event,
          timestamp: `2026-11-17T10:0${i}:00.000Z`,
        }),
      ),
    ),
  ]);
}, 60_000);

async function checkReport() {
  const res = await call('GET', 'funnels/checkout', RANGE);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const body = res.body as FunnelResponse;
  // The range plus the one-hour window rounded up to a day.
  expect(body.range).toEqual({ name: 'custom', ...RANGE, readTo: '2026-11-21' });
  expect(body).toMatchObject(expected(EVENTS, RANGE.from, RANGE.to, '2026-11-21'));
  // The figures written out: 9 entered (u1-u7, u9, u10), 8 added to the cart (all but u5),
  // 5 paid within the hour (u1, u3, u6, u7, u9).
  expect(body.steps.map((s) => [s.entered, s.completed])).toEqual([
    [9, 9],
    [9, 8],
    [8, 5],
  ]);
  expect(body.converted).toBe(5);
  expect(body.conversionRate).toBe(0.5556);
  expect(body.steps[2]?.dropOffRate).toBe(0.375);
  // Times to pay from the view: u6 120 s, u3 180 s, u1 1800 s, u7 1800 s, u9 3000 s.
  expect(body.timeToConvert).toEqual({ median: 1800, p90: 3000 });
  return body;
}

describe('funnel definitions', () => {
  it('lists the standard funnels; declares, replaces and deletes; bad bodies are 400s', async () => {
    const list = await call('GET', 'funnels');
    expect(list.body).toEqual({
      project: 'p1',
      funnels: STANDARD_FUNNELS.map((f) => ({ ...f, standard: true })).sort((a, b) =>
        a.name < b.name ? -1 : 1,
      ),
    });
    expect((await call('POST', 'funnels', {}, { ...CHECKOUT, windowSeconds: 60 })).status).toBe(
      201,
    );
    const put = await call('POST', 'funnels', {}, CHECKOUT);
    expect(put).toEqual({ status: 201, body: { project: 'p1', funnel: CHECKOUT } });
    // Replacing a standard funnel, then deleting the replacement, brings the standard one back.
    await call('POST', 'funnels', {}, { name: 'deployment', steps: CHECKOUT.steps.slice(0, 2) });
    const replaced = await call('GET', 'funnels');
    expect(replaced.body.funnels.find((f: { name: string }) => f.name === 'deployment')).toEqual({
      name: 'deployment',
      steps: CHECKOUT.steps.slice(0, 2),
      windowSeconds: 7 * 86_400,
      standard: false,
    });
    expect((await call('DELETE', 'funnels/deployment')).status).toBe(200);
    expect((await call('DELETE', 'funnels/deployment')).status).toBe(404);
    expect(
      (await call('GET', 'funnels')).body.funnels.map((f: { name: string }) => f.name),
    ).toEqual(['checkout', 'deployment', 'onboarding', 'service_creation']);
    const bad = await call(
      'POST',
      'funnels',
      {},
      { name: 'bad/name', steps: [{ event: 'a' }], windowSeconds: 91 * 86_400 },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/name/);
    expect(bad.body.error.message).toMatch(/steps/);
    expect(bad.body.error.message).toMatch(/windowSeconds/);
    const repeated = await call(
      'POST',
      'funnels',
      {},
      { name: 'r', steps: [{ event: 'a' }, { event: 'a' }] },
    );
    expect(repeated.body.error.message).toMatch(/different events/);
    expect((await call('GET', 'funnels/nope', RANGE)).status).toBe(404);
    // Another project has only the standard funnels.
    expect((await call('GET', 'funnels/checkout', { ...RANGE, project: 'p2' })).status).toBe(404);
  });
});

describe('funnel figures', () => {
  it('are exact from the live layer', checkReport);

  it('are the same after a rebuild', async () => {
    for (const day of daysBetween('2026-11-15', '2026-11-22')) {
      await rollupDay(rollupDeps(t, NOW + 30 * MIN), 'p1', day);
    }
    await checkReport();
  }, 60_000);

  it('are empty, with null rates, over a range without events', async () => {
    const res = await call('GET', 'funnels/checkout', { from: '2026-10-01', to: '2026-10-05' });
    expect(res.body).toMatchObject({
      users: 0,
      converted: 0,
      conversionRate: null,
      timeToConvert: { median: null, p90: null },
    });
    expect(res.body.steps[1]).toMatchObject({
      entered: 0,
      completed: 0,
      completionRate: null,
      dropOffRate: null,
      timeToConvert: { median: null, p90: null },
    });
  });

  it('count only the project asked for', async () => {
    await callProduct(deps, 'POST', 'funnels', { query: { project: 'p2' }, body: CHECKOUT });
    const p2 = await call('GET', 'funnels/checkout', { ...RANGE, project: 'p2' });
    expect(p2.body).toMatchObject({ project: 'p2', users: 1, converted: 1 });
    expect(p2.body.timeToConvert).toEqual({ median: 120, p90: 120 });
  });

  it('export one CSV row per step, through the export route', async () => {
    const res = await callAdmin(deps, 'GET', 'export/csv', {
      query: { report: 'funnels/checkout', ...RANGE },
      pathParameters: { format: 'csv' },
    });
    expect(res.status).toBe(200);
    const lines = String(res.text)
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toBe(
      'funnel,step,event,entered,completed,completionRate,dropOffRate,conversionRate,filter,timeToConvertMedian,timeToConvertP90',
    );
    expect(lines.slice(1)).toHaveLength(3);
    expect(lines[3]).toMatch(/^checkout,3,order\.paid,8,5,0\.625,0\.375,0\.5556,/);
  });
});

describe('the counting rule on one user-day', () => {
  it('takes the first and the last time of each event that day', () => {
    // view 10:00; cart 09:00, 10:10, 11:00: the day keeps cart's 09:00 and 11:00, so step 2 is
    // at 11:00 — the documented rule (docs/api-product-analytics.md "Funnels").
    const at = (hm: string) => Date.parse(`2026-11-16T${hm}:00Z`);
    const users = stepTimes(
      { name: 'f', steps: [{ event: 'view' }, { event: 'cart' }], windowSeconds: 7200 },
      [
        {
          day: '2026-11-16',
          users: {
            a: {
              events: 4,
              messages: 0,
              tokens: 0,
              first: at('09:00'),
              last: at('11:00'),
              names: { view: 1, cart: 3 },
              firstAt: { view: at('10:00'), cart: at('09:00') },
              lastAt: { view: at('10:00'), cart: at('11:00') },
            },
          },
        },
      ],
      new Set(['2026-11-16']),
    );
    expect(users.get('a')).toEqual([at('10:00'), at('11:00')]);
  });
});
