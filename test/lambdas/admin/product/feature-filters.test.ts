/**
 * Feature definitions with a property filter, against DynamoDB Local: every figure (uses,
 * distinct users, adoption rate) and the days a filter could not cover, recomputed here by brute
 * force over the events sent — shuffled, in several batches, each batch sent twice at once — and
 * compared with the report live, after an hourly compaction with more events live on top, and
 * after a rebuild. The dataset holds a filter that matches nothing, hostile values (5,000
 * characters, `__proto__`, HTML), a 200-character property name, a user past the user-day's 20
 * values, and a feature declared after some of its events were counted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FeatureAdoptionResponse } from '../../../../lambdas/admin/reports/product/types.ts';
import type { TallyEvent } from '../../../../lambdas/model/events.ts';
import { daysBetween } from '../../../../lambdas/model/time.ts';
import { tallyEvent } from '../../../helpers/events.ts';
import {
  type Filter,
  filterHarness,
  HTML,
  keptOf,
  LONG_VALUE,
  passesFilter,
  random,
  type Scalar,
  shuffle,
} from '../../../helpers/properties.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const MIN = 60_000;
const RANGE = { from: '2026-11-16', to: '2026-11-22' };
const ALL_DAYS = daysBetween('2026-11-09', '2026-11-22');

const LONG_NAME = `p${'x'.repeat(199)}`;
interface Feature {
  name: string;
  event: string;
  filter?: Filter;
}

const FEATURES: Feature[] = [
  {
    name: 'CSV',
    event: 'report.exported',
    filter: { property: 'format', operator: 'equals', value: 'csv' },
  },
  {
    name: 'Not csv or json',
    event: 'report.exported',
    filter: { property: 'format', operator: 'not_equals', value: ['csv', 'json'] },
  },
  {
    name: 'Any format',
    event: 'report.exported',
    filter: { property: 'format', operator: 'is_set' },
  },
  {
    name: 'No format',
    event: 'report.exported',
    filter: { property: 'format', operator: 'is_not_set' },
  },
  {
    name: 'Big',
    event: 'report.exported',
    filter: { property: 'rows', operator: 'gt', value: 100 },
  },
  {
    name: 'Small',
    event: 'report.exported',
    filter: { property: 'rows', operator: 'lt', value: 10 },
  },
  {
    name: 'Xlsx',
    event: 'report.exported',
    filter: { property: 'format', operator: 'equals', value: 'xlsx' },
  },
  {
    name: 'Script',
    event: 'report.exported',
    filter: { property: 'format', operator: 'equals', value: HTML },
  },
  {
    name: 'Proto',
    event: 'report.exported',
    filter: { property: 'format', operator: 'equals', value: '__proto__' },
  },
  // The first 200 characters of the long value: a kept long value never equals a filter's.
  {
    name: 'Long prefix',
    event: 'report.exported',
    filter: { property: 'format', operator: 'equals', value: LONG_VALUE.slice(0, 200) },
  },
  {
    name: 'Long name',
    event: 'report.exported',
    filter: { property: LONG_NAME, operator: 'is_set' },
  },
  { name: 'All exports', event: 'report.exported' },
];
/** Declared after the first batch: its earlier events are not covered. */
const LATE: Feature = {
  name: 'Pro plan',
  event: 'report.exported',
  filter: { property: 'plan', operator: 'equals', value: 'pro' },
};

const rnd = random(10);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const FORMATS: (Scalar | undefined | null)[] = [
  'csv',
  'json',
  'pdf',
  undefined,
  null,
  3,
  true,
  HTML,
  '__proto__',
  LONG_VALUE,
  { nested: 1 } as unknown as Scalar,
];

interface Sent {
  event: TallyEvent;
  batch: number;
}

function makeEvents(): Sent[] {
  const out: Sent[] = [];
  let n = 0;
  for (const day of ALL_DAYS) {
    for (let u = 0; u < 12; u++) {
      if (rnd() < 0.35) continue;
      const uses = Math.floor(rnd() * 4);
      for (let k = 0; k < uses + 1; k++) {
        const properties: Record<string, unknown> = {};
        const format = pick(FORMATS);
        if (format !== undefined) properties.format = format;
        if (rnd() < 0.7) properties.rows = pick([100, 10, Math.floor(rnd() * 300) - 50]);
        if (rnd() < 0.5) properties.plan = pick(['pro', 'free', 'Pro']);
        if (rnd() < 0.3) properties[LONG_NAME] = 'v';
        const minute = String(n++ % 60).padStart(2, '0');
        const hour = String(8 + k).padStart(2, '0');
        out.push({
          event: tallyEvent({
            userId: `u${u}`,
            event: rnd() < 0.8 ? 'report.exported' : 'page.viewed',
            timestamp: `${day}T${hour}:${minute}:${String(u).padStart(2, '0')}.000Z`,
            properties,
          }),
          batch: day < '2026-11-12' ? 0 : rnd() < 0.5 ? 1 : 2,
        });
      }
    }
  }
  // One user past the user-day's 20 values: "csv" and v00…v24 on 11-20 (v19…v24 past it).
  for (let i = -1; i < 25; i++) {
    out.push({
      event: tallyEvent({
        userId: 'heavy',
        event: 'report.exported',
        timestamp: `2026-11-20T15:${String(i + 1).padStart(2, '0')}:00.000Z`,
        properties: { format: i < 0 ? 'csv' : `v${String(i).padStart(2, '0')}`, rows: 500 },
      }),
      // Half counted before the compaction, half after: the cap holds across the layers.
      batch: i % 2 ? 1 : 2,
    });
  }
  // Shuffled: no batch is in time order.
  return shuffle(out, rnd);
}

const SENT = makeEvents();

// ---- the brute force: every event walked, the documented rules written out again ----

/**
 * Whether each event's value is known to the report: its fact kept the property (the feature
 * was declared when it was counted), and the value is among the 20 smallest (by JSON text) the
 * user sent that day for that event and property, or the filter only asks whether it is set.
 */
function evaluate(f: Feature, events: readonly Sent[], capturedBatches: ReadonlySet<number>) {
  const filter = f.filter;
  const perUserDay = new Map<string, Set<string>>();
  if (filter) {
    for (const s of events) {
      if (!capturedBatches.has(s.batch) || s.event.event !== f.event) continue;
      const v = keptOf(s.event.properties?.[filter.property]);
      if (v === null) continue;
      const k = `${s.event.userId}|${s.event.timestamp.slice(0, 10)}`;
      const set = perUserDay.get(k) ?? new Set<string>();
      set.add(JSON.stringify(v));
      perUserDay.set(k, set);
    }
  }
  const kept = new Map<string, Set<string>>();
  for (const [k, set] of perUserDay) kept.set(k, new Set([...set].sort().slice(0, 20)));
  return events
    .filter((s) => s.event.event === f.event)
    .map((s) => {
      const day = s.event.timestamp.slice(0, 10);
      if (!filter) return { s, day, known: true, pass: true };
      if (!capturedBatches.has(s.batch)) return { s, day, known: false, pass: false };
      const v = keptOf(s.event.properties?.[filter.property]);
      const setOnly = filter.operator === 'is_set' || filter.operator === 'is_not_set';
      const inCap =
        v === null || kept.get(`${s.event.userId}|${day}`)?.has(JSON.stringify(v)) === true;
      if (!inCap && !setOnly) return { s, day, known: false, pass: false };
      return { s, day, known: true, pass: passesFilter(filter, v) };
    });
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

function expected(f: Feature, events: readonly Sent[], captured: ReadonlySet<number>) {
  const judged = evaluate(f, events, captured);
  const figures = (from: string, to: string) => {
    const inRange = events.filter((s) => {
      const d = s.event.timestamp.slice(0, 10);
      return d >= from && d <= to;
    });
    const active = new Set(inRange.map((s) => s.event.userId));
    const hits = judged.filter((j) => j.day >= from && j.day <= to && j.known && j.pass);
    const users = new Set(hits.map((j) => j.s.event.userId));
    return {
      usage: hits.length,
      uniqueUsers: users.size,
      adoptionRate: active.size ? round4(users.size / active.size) : null,
    };
  };
  const unknown = new Map<string, number>();
  for (const j of judged) if (!j.known) unknown.set(j.day, (unknown.get(j.day) ?? 0) + 1);
  return {
    name: f.name,
    event: f.event,
    ...figures(RANGE.from, RANGE.to),
    previous: figures('2026-11-09', '2026-11-15'),
    uncovered: [...unknown]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([date, events]) => ({ date, events })),
  };
}

const { open, call, sendBatch, compact, rebuild } = filterHarness(NOW, SENT);

async function report(): Promise<FeatureAdoptionResponse> {
  const res = await call('GET', 'feature-adoption', RANGE);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as FeatureAdoptionResponse;
}

function check(body: FeatureAdoptionResponse, sent: readonly Sent[]) {
  for (const f of [...FEATURES, LATE]) {
    const got = body.features.find((x) => x.name === f.name);
    // Batch 0 was counted before the late feature was declared; every other feature saw all.
    const captured = new Set(f === LATE ? [1, 2] : [0, 1, 2]);
    expect(got, f.name).toMatchObject(expected(f, sent, captured));
    expect(got?.filter, f.name).toEqual(f.filter);
  }
}

beforeAll(async () => {
  await open();
  for (const f of FEATURES) {
    const res = await call('POST', 'feature-adoption/features', {}, f);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  await sendBatch(0, NOW - 100 * MIN);
  expect((await call('POST', 'feature-adoption/features', {}, LATE)).status).toBe(201);
  await sendBatch(1, NOW - 90 * MIN);
}, 120_000);

describe('feature filters', () => {
  it('refuse bad filters with a 400 naming the field', async () => {
    const bad = async (filter: unknown) => {
      const res = await call(
        'POST',
        'feature-adoption/features',
        {},
        {
          name: 'Bad',
          event: 'x',
          filter,
        },
      );
      expect(res.status).toBe(400);
      return String(res.body.error.message);
    };
    expect(await bad({ property: 'a', operator: 'contains', value: 'x' })).toMatch(/operator/);
    expect(await bad({ property: 'a', operator: 'equals' })).toMatch(/filter\.value/);
    expect(await bad({ property: 'a', operator: 'is_set', value: 1 })).toMatch(/value/);
    expect(await bad({ property: 'a', operator: 'gt', value: '5' })).toMatch(
      /filter\.value: must be a number/,
    );
    expect(await bad({ property: '__proto__', operator: 'is_set' })).toMatch(/property/);
    expect(await bad({ property: 'x'.repeat(201), operator: 'is_set' })).toMatch(/property/);
    expect(await bad({ property: 'a', operator: 'equals', value: 'v'.repeat(201) })).toMatch(
      /value/,
    );
    expect(await bad({ property: 'a', operator: 'equals', value: [] })).toMatch(/value/);
    expect(await bad({ property: 'a', operator: 'is_set', extra: 1 })).toMatch(/extra/);
    const list = await call('GET', 'feature-adoption/features', {});
    expect(list.body.features.map((f: Feature) => f.name)).not.toContain('Bad');
    expect(list.body.features.find((f: Feature) => f.name === 'Pro plan')).toEqual(LATE);
  });

  it('are exact from the live layer, each resent event counted once', async () => {
    const sent = SENT.filter((s) => s.batch <= 1);
    const body = await report();
    check(body, sent);
    // Written out: the late feature does not cover the days of batch 0, and nothing is xlsx.
    const late = body.features.find((f) => f.name === 'Pro plan');
    expect(late?.uncovered.map((d) => d.date)).toEqual(['2026-11-09', '2026-11-10', '2026-11-11']);
    expect(body.features.find((f) => f.name === 'Xlsx')).toMatchObject({ usage: 0 });
    expect(body.features.find((f) => f.name === 'Long prefix')).toMatchObject({ usage: 0 });
    expect(body.features.find((f) => f.name === 'Script')?.usage).toBeGreaterThan(0);
    expect(body.features.find((f) => f.name === 'Proto')?.usage).toBeGreaterThan(0);
  });

  it('are the same after an hourly compaction, with more events live on top', async () => {
    await compact(NOW - 80 * MIN, ALL_DAYS);
    await sendBatch(2, NOW - 60 * MIN);
    const body = await report();
    check(body, SENT);
    // The heavy user's 6 values past the 20 smallest are unknown to an equals filter only.
    const csv = body.features.find((f) => f.name === 'CSV');
    expect(csv?.uncovered).toContainEqual({ date: '2026-11-20', events: 6 });
    expect(body.features.find((f) => f.name === 'Any format')?.uncovered).toEqual([]);
    await compact(NOW - 20 * MIN, ALL_DAYS);
    check(await report(), SENT);
  }, 120_000);

  it('are the same after a rebuild', async () => {
    await rebuild(NOW + 30 * MIN, ALL_DAYS);
    check(await report(), SENT);
  }, 120_000);
});
