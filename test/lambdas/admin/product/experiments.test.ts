/**
 * Experiments against DynamoDB Local: declared through the API, exposures and goals sent as
 * events, and each variant's sample (exposed users, conversions after the first exposure, or a
 * per-user metric) recomputed here from the events — users exposed to two variants, exposed
 * before the start or to an undeclared variant, and conversions before the exposure are left
 * out by the documented rules. The statistics on those samples are checked against jStat; the
 * sequential p-value against one look per day recomputed here.
 */
import { jStat } from 'jstat';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminDeps } from '../../../../lambdas/admin/report.ts';
import {
  alwaysValidPValue,
  lookOf,
  type Sample,
  type SequentialLook,
} from '../../../../lambdas/admin/reports/experiments/stats.ts';
import type { ExperimentResult } from '../../../../lambdas/admin/reports/product/types.ts';
import type { TallyEvent } from '../../../../lambdas/model/events.ts';
import { daysBetween } from '../../../../lambdas/model/time.ts';
import { rollupDay } from '../../../../lambdas/rebuild/rollup.ts';
import { adminDeps, ingestDeps, rollupDeps } from '../../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../../helpers/events.ts';
import { ingestAll } from '../../../helpers/ingest.ts';
import { adminOnly, callProduct } from '../../../helpers/product.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;
const START = '2026-11-15T00:00:00.000Z';
const DAYS = daysBetween('2026-11-14', '2026-11-22');

let t: TestTable;
let deps: AdminDeps;

const call = (method: 'GET' | 'POST' | 'DELETE', path: string, query = {}, body?: unknown) => {
  const id = /\/(exp-\d)$/.exec(path)?.[1];
  return callProduct(deps, method, path.replace(/\/exp-\d$/, '/{id}'), {
    query,
    body,
    ...(id ? { pathParameters: { id } } : {}),
  });
};

// ---- the plan: users, their exposures, conversions and tokens ----

interface Planned {
  at: number;
  actor: string;
  event: string;
  properties: Record<string, unknown>;
}

const PLANNED: Planned[] = [];
let seed = 11;
const rnd = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const expose = (at: number, actor: string, experimentId: string, variant: string) =>
  PLANNED.push({ at, actor, event: 'experiment.exposure', properties: { experimentId, variant } });

for (let i = 0; i < 160; i++) {
  const actor = `u${i}`;
  const day = 1 + Math.floor(rnd() * 7); // 11-15 … 11-21
  const at = Date.parse(START) + (day - 1) * 24 * HOUR + Math.floor(rnd() * 20) * HOUR;
  const variant = i % 2 === 0 ? 'control' : 'treatment';
  expose(at, actor, 'exp-1', variant);
  // exp-2 (tokens), split 1:1 but by another rule.
  const v2 = i % 3 === 0 ? 'a' : 'b';
  expose(at + MIN, actor, 'exp-2', v2);
  // Converts with 30 % (control) or 50 % (treatment): sometimes later the same day, sometimes
  // a day later; and some convert only before their exposure (not counted).
  const p = variant === 'control' ? 0.3 : 0.5;
  const r = rnd();
  if (r < p / 2)
    PLANNED.push({ at: at + 30 * MIN, actor, event: 'checkout.completed', properties: {} });
  else if (r < p)
    PLANNED.push({ at: at + 26 * HOUR, actor, event: 'checkout.completed', properties: {} });
  else if (r < p + 0.1)
    PLANNED.push({ at: at - 30 * MIN, actor, event: 'checkout.completed', properties: {} });
  // Tokens after the exposure, more in variant b.
  const tokens = Math.floor((v2 === 'a' ? 100 : 130) * (0.5 + rnd()));
  PLANNED.push({ at: at + 2 * MIN, actor, event: 'message.sent', properties: { tokens } });
}
// Exposed to both variants: left out. Exposed before the start: ignored. Undeclared variant.
expose(Date.parse('2026-11-16T09:00:00Z'), 'mixed', 'exp-1', 'control');
expose(Date.parse('2026-11-17T09:00:00Z'), 'mixed', 'exp-1', 'treatment');
expose(Date.parse('2026-11-14T09:00:00Z'), 'early', 'exp-1', 'control');
expose(Date.parse('2026-11-16T09:00:00Z'), 'stray', 'exp-1', 'purple');

const toEvent = (p: Planned): TallyEvent =>
  tallyEvent({
    userId: p.actor,
    event: p.event,
    properties: p.properties,
    timestamp: new Date(p.at).toISOString(),
  });

// ---- expected samples, by brute force ----

function firstExposures(experimentId: string, until = Number.POSITIVE_INFINITY) {
  const first = new Map<string, { variant: string; at: number; mixed: boolean }>();
  for (const p of [...PLANNED].sort((a, b) => a.at - b.at)) {
    if (p.event !== 'experiment.exposure' || p.properties.experimentId !== experimentId) continue;
    if (p.at < Date.parse(START) || p.at >= until) continue;
    const f = first.get(p.actor);
    if (!f) first.set(p.actor, { variant: String(p.properties.variant), at: p.at, mixed: false });
    else if (f.variant !== p.properties.variant) f.mixed = true;
  }
  return first;
}

function expectedSamples(
  experimentId: string,
  variants: string[],
  value: (actor: string, at: number) => number,
  until?: number,
) {
  const out = new Map<string, Sample>(variants.map((v) => [v, { n: 0, sum: 0, sumSquares: 0 }]));
  for (const [actor, f] of firstExposures(experimentId, until)) {
    const s = out.get(f.variant);
    if (f.mixed || !s) continue;
    const x = value(actor, f.at);
    s.n++;
    s.sum += x;
    s.sumSquares += x * x;
  }
  return out;
}

const converted = (until: number) => (actor: string, at: number) =>
  PLANNED.some(
    (p) => p.actor === actor && p.event === 'checkout.completed' && p.at >= at && p.at < until,
  )
    ? 1
    : 0;

/** Tokens of the user's days from the exposure day on (the whole exposure day: documented). */
const tokensFrom = (until: number) => (actor: string, at: number) => {
  const day = new Date(at).toISOString().slice(0, 10);
  return PLANNED.filter(
    (p) =>
      p.actor === actor &&
      p.event === 'message.sent' &&
      new Date(p.at).toISOString().slice(0, 10) >= day &&
      p.at < until,
  ).reduce((s, p) => s + Number(p.properties.tokens ?? 0), 0);
};

const EXP1 = {
  id: 'exp-1',
  name: 'Checkout button',
  variants: [{ name: 'control' }, { name: 'treatment' }],
  goal: { event: 'checkout.completed' },
  start: START,
};
const EXP2 = {
  id: 'exp-2',
  variants: [
    { name: 'a', weight: 1 },
    { name: 'b', weight: 1 },
  ],
  goal: { metric: 'tokens' },
  start: START,
  sequential: true,
};
const EXP3 = {
  id: 'exp-3',
  variants: [{ name: 'x' }, { name: 'y' }],
  goal: { event: 'checkout.completed' },
  start: '2026-11-01T00:00:00.000Z',
  stop: '2026-11-10T00:00:00.000Z',
};

beforeAll(async () => {
  t = await createTestTable({ bucketSeconds: 300 });
  deps = adminDeps(t, NOW, { verify: adminOnly });
  const events = PLANNED.map(toEvent);
  const records = [];
  for (let i = 0; i < events.length; i += 100) records.push(sqsRecord(events.slice(i, i + 100)));
  await ingestAll(ingestDeps(t, NOW - 60 * MIN), records);
  for (const e of [EXP1, EXP2, EXP3]) {
    const res = await call('POST', 'experiments', {}, e);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
}, 120_000);

const normalCdf = (x: number) => jStat.normal.cdf(x, 0, 1);

async function checkExp1() {
  const res = await call('GET', 'experiments/exp-1');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const r = res.body as ExperimentResult;
  const samples = expectedSamples('exp-1', ['control', 'treatment'], converted(NOW));
  const c = samples.get('control') as Sample;
  const v = samples.get('treatment') as Sample;
  expect(r.variants.map((x) => x.sample)).toEqual([c, v]);
  expect(r.variants.map((x) => x.conversions)).toEqual([c.sum, v.sum]);
  expect(r.mixedUsers).toBe(1);
  expect(r.unknownVariantUsers).toBe(1);
  expect(r.exposedUsers).toBe(c.n + v.n + 2);
  expect(r.test).toBe('two-proportion z-test');
  // The z-test, recomputed with jStat's normal.
  const pc = c.sum / c.n;
  const pv = v.sum / v.n;
  const pooled = (c.sum + v.sum) / (c.n + v.n);
  const z = (pv - pc) / Math.sqrt(pooled * (1 - pooled) * (1 / c.n + 1 / v.n));
  const cmp = r.variants[1]?.comparison;
  expect(cmp?.statistic).toBeCloseTo(z, 9);
  expect(cmp?.pValue).toBeCloseTo(2 * normalCdf(-Math.abs(z)), 9);
  expect(cmp?.significant).toBe(2 * normalCdf(-Math.abs(z)) < 0.05);
  // SRM: chi-square of the two counts against 1:1, by jStat.
  const expected = (c.n + v.n) / 2;
  const chi = ((c.n - expected) ** 2 + (v.n - expected) ** 2) / expected;
  expect(r.sampleRatio.pValue).toBeCloseTo(1 - jStat.chisquare.cdf(chi, 1), 9);
  expect(r.status).toBe('running');
  return r;
}

describe('experiment results', () => {
  it('counts exposures and conversions after the first exposure, by the documented rules', async () => {
    const r = await checkExp1();
    expect(['keep_running', 'ship']).toContain(r.recommendation.action);
    // Not a single figure is taken from the conversions made before exposure.
    const before = PLANNED.filter((p) => p.event === 'checkout.completed').length;
    expect(r.variants.reduce((s, x) => s + (x.conversions ?? 0), 0)).toBeLessThan(before);
  });

  it('compares a per-user metric with Welch’s t-test and the sequential mode', async () => {
    const res = await call('GET', 'experiments/exp-2');
    const r = res.body as ExperimentResult;
    const samples = expectedSamples('exp-2', ['a', 'b'], tokensFrom(NOW));
    const a = samples.get('a') as Sample;
    const b = samples.get('b') as Sample;
    expect(r.variants.map((x) => x.sample)).toEqual([a, b]);
    expect(r.test).toBe("Welch's t-test");
    const mean = (s: Sample) => s.sum / s.n;
    const varOf = (s: Sample) => (s.sumSquares - s.n * mean(s) ** 2) / (s.n - 1);
    const se = Math.sqrt(varOf(a) / a.n + varOf(b) / b.n);
    const tStat = (mean(b) - mean(a)) / se;
    const df =
      (varOf(a) / a.n + varOf(b) / b.n) ** 2 /
      ((varOf(a) / a.n) ** 2 / (a.n - 1) + (varOf(b) / b.n) ** 2 / (b.n - 1));
    const cmp = r.variants[1]?.comparison;
    expect(cmp?.statistic).toBeCloseTo(tStat, 9);
    expect(cmp?.degreesOfFreedom).toBeCloseTo(df, 6);
    expect(cmp?.pValue).toBeCloseTo(2 * jStat.studentt.cdf(-Math.abs(tStat), df), 7);
    // One look per day of the experiment, on the samples as of that day's end.
    const looks: SequentialLook[] = [];
    for (const day of daysBetween('2026-11-15', '2026-11-22')) {
      const end = Math.min(NOW, Date.parse(`${day}T00:00:00.000Z`) + 24 * HOUR);
      const s = expectedSamples('exp-2', ['a', 'b'], tokensFrom(end), end);
      const look = lookOf(s.get('a') as Sample, s.get('b') as Sample, false);
      if (look) looks.push(look);
    }
    const tau2 = Math.max((0.1 * mean(a)) ** 2, 1e-12);
    expect(r.variants[1]?.sequential?.looks).toBe(looks.length);
    expect(r.variants[1]?.sequential?.pValue).toBeCloseTo(alwaysValidPValue(looks, tau2), 9);
  });

  it('lists experiments by status, and results of the running ones', async () => {
    const list = await call('GET', 'experiments');
    expect(
      list.body.experiments.map((e: { id: string; status: string }) => [e.id, e.status]),
    ).toEqual([
      ['exp-1', 'running'],
      ['exp-2', 'running'],
      ['exp-3', 'stopped'],
    ]);
    const running = await call('GET', 'experiment-results', { status: 'running' });
    expect(running.body.experiments.map((e: ExperimentResult) => e.id)).toEqual(['exp-1', 'exp-2']);
    const stopped = await call('GET', 'experiment-results', { status: 'stopped' });
    const [s] = stopped.body.experiments as ExperimentResult[];
    expect(s?.exposedUsers).toBe(0);
    expect(s?.recommendation.action).toBe('stop');
  });

  it('answers the same after a rebuild', async () => {
    for (const day of DAYS) await rollupDay(rollupDeps(t, NOW + 30 * MIN), 'p1', day);
    await checkExp1();
  }, 60_000);

  it('refuses bad declarations with a 400 naming the problem, and 404s an unknown id', async () => {
    const one = await call(
      'POST',
      'experiments',
      {},
      { ...EXP1, id: 'exp-9', variants: [{ name: 'only' }] },
    );
    expect(one.status).toBe(400);
    expect(one.body.error.message).toMatch(/variants/);
    const backwards = await call(
      'POST',
      'experiments',
      {},
      { ...EXP3, id: 'exp-8', stop: '2026-10-01T00:00:00Z' },
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.message).toMatch(/stop must be after start/);
    expect((await call('GET', 'experiments/exp-7')).status).toBe(404);
    expect((await call('DELETE', 'experiments/exp-3')).status).toBe(200);
    expect((await call('GET', 'experiments/exp-3')).status).toBe(404);
  });
});
