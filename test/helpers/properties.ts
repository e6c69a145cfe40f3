/**
 * For the property-filter tests: a seeded generator, shuffling, resending a batch concurrently,
 * and the documented filter rules written out again (docs/data-model.md "Event properties"), so
 * each test's brute force computes its expected figures without the code under test.
 */
import type { AdminDeps } from '../../lambdas/admin/report.ts';
import type { TallyEvent } from '../../lambdas/model/events.ts';
import { compactDay, rollupDay } from '../../lambdas/rebuild/rollup.ts';
import { adminDeps, ingestDeps, rollupDeps } from './deps.ts';
import { createTestTable, type TestTable } from './dynamo.ts';
import { sqsRecord } from './events.ts';
import { ingestAll } from './ingest.ts';
import { adminOnly, callProduct } from './product.ts';

export type Scalar = string | number | boolean;
export interface Filter {
  property: string;
  operator: 'equals' | 'not_equals' | 'is_set' | 'is_not_set' | 'gt' | 'lt';
  value?: Scalar | Scalar[];
}

export const LONG_VALUE = `${'y'.repeat(4999)}z`;
export const HTML = '<script>alert("x")</script>';

/** A seeded generator (mulberry32): the same dataset on every run. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Fisher–Yates, in place. */
export function shuffle<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

/** An event's value as kept: a scalar (long strings cut to 200 characters and "…"), else unset. */
export function keptOf(raw: unknown): Scalar | null {
  if (typeof raw === 'string') return raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return raw;
  return null;
}

export function passesFilter(f: Filter, value: Scalar | null): boolean {
  const list = Array.isArray(f.value) ? f.value : [f.value];
  if (f.operator === 'equals') return value !== null && list.includes(value);
  if (f.operator === 'not_equals') return value === null || !list.includes(value);
  if (f.operator === 'is_set') return value !== null;
  if (f.operator === 'is_not_set') return value === null;
  if (f.operator === 'gt') return typeof value === 'number' && value > (f.value as number);
  return typeof value === 'number' && value < (f.value as number);
}

/** Ingests events twice at once, in records of 40 (a client resending while the first is in flight). */
export async function sendTwice(t: TestTable, events: readonly TallyEvent[], at: number) {
  const records = [];
  for (let i = 0; i < events.length; i += 40) records.push(sqsRecord(events.slice(i, i + 40)));
  await Promise.all([
    ingestAll(ingestDeps(t, at), records),
    ingestAll(ingestDeps(t, at + 1000), [...records].reverse()),
  ]);
}

/**
 * The shared scaffolding of the filter tests, on a table of its own for project `p1`: the product
 * API as an admin at `now`, a batch of the dataset sent twice at once, and the rollup's hourly
 * compaction or rebuild of some days.
 */
export function filterHarness(now: number, sent: readonly { batch: number; event: TallyEvent }[]) {
  let t: TestTable | undefined;
  let deps: AdminDeps | undefined;
  const table = () => {
    if (!t) throw new Error('filterHarness: open() first');
    return t;
  };
  return {
    async open() {
      t = await createTestTable({ bucketSeconds: 300 });
      deps = adminDeps(t, now, { verify: adminOnly });
    },
    call: (method: 'GET' | 'POST', path: string, query: Record<string, string>, body?: unknown) =>
      callProduct(deps as AdminDeps, method, path, { query, body }),
    /** Ingests batch `batch` twice at once (a client resending while the first is in flight). */
    sendBatch: (batch: number, at: number) =>
      sendTwice(
        table(),
        sent.filter((s) => s.batch === batch).map((s) => s.event),
        at,
      ),
    compact: async (at: number, days: readonly string[]) => {
      for (const day of days) await compactDay(rollupDeps(table(), at), 'p1', day);
    },
    rebuild: async (at: number, days: readonly string[]) => {
      for (const day of days) await rollupDay(rollupDeps(table(), at), 'p1', day);
    },
  };
}
