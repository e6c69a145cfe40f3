/**
 * Ingest end to end as a user meets it: a real `npm start` process (spawned as a terminal runs
 * it, DynamoDB Local in memory), the load generator in a process of its own
 * (bench/ingest-load.ts: `clients` clients sending requests of `batch` events, until the admin API
 * counts every one), and the raw BatchWriteItem reference against the same DynamoDB Local, just
 * before and just after. Also the ingestion lag (receivedAt → counted), read from `/metrics` as a
 * Prometheus user would: of that run, where the clients send faster than ingest stores, so events
 * queue and the lag grows with the run; and at a steady rate (`steadyPerSec`, the cost model's 100
 * events/s), the budget's case. `npx tsx bench/npm-start-ingest.ts [--quick]` runs this alone.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CREDENTIALS_FILE, type LocalCredentials } from '../local/bootstrap.ts';
import { ENDPOINTS_FILE } from '../local/data-dir.ts';
import { freePort } from '../local/ports.ts';
import { bearer } from '../test/helpers/http.ts';
import { interrupt, npmStart } from '../test/helpers/npm-start.ts';
import { tsxChild } from './child.ts';
import { rawBatchWriteItemsPerSec } from './reference.ts';

export interface NpmStartIngestOptions {
  events: number;
  /** Events per request. @default 50 */
  batch?: number;
  /** Concurrent clients. @default 4 */
  clients?: number;
  /** Events sent at the steady rate afterwards, and that rate (events/s). */
  steadyEvents: number;
  steadyPerSec?: number;
  log?: (line: string) => void;
}

/** Ingestion-lag figures of a set of events, from `analytics_ingest_lag_seconds`. */
export interface LagFigures {
  /** Quantiles interpolated within the buckets, as `histogram_quantile` does. */
  p50Seconds: number;
  p99Seconds: number;
  /** Share of the events counted within 5 s (a bucket bound: exact). */
  within5s: number;
  count: number;
}

export interface NpmStartIngestResults {
  events: number;
  batch: number;
  clients: number;
  /** From the first request until every event was accepted (200), and until every one was counted. */
  acceptedSeconds: number;
  countedSeconds: number;
  eventsPerSec: number;
  /** Requests answered 503 (backlog full) and resent. */
  refused503: number;
  /** The reference just before and just after, and their mean, the ratio's denominator. */
  rawBatchWriteItemsPerSec: { before: number; after: number; mean: number };
  ratio: number;
  /** The lag of the events of this run. */
  lag: LagFigures;
  /** The lag of events sent at a steady rate (open loop) afterwards. */
  steady: { events: number; perSec: number; lag: LagFigures };
  loadAverage: [number, number];
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** The cumulative buckets of one project's histogram in a Prometheus exposition. */
function histogram(text: string, name: string, project: string): [number, number][] {
  const out: [number, number][] = [];
  const re = new RegExp(`^${name}_bucket\\{project="${project}",le="([^"]+)"\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    out.push([m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2])]);
  }
  return out;
}

/** Prometheus's `histogram_quantile`: linear within the bucket the rank falls in. */
export function histogramQuantile(q: number, buckets: [number, number][]): number {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (!total) return Number.NaN;
  const rank = q * total;
  let [lower, below] = [0, 0];
  for (const [le, count] of buckets) {
    if (count >= rank) {
      // In the +Inf bucket Prometheus answers the highest finite bound.
      if (!Number.isFinite(le)) return lower;
      return lower + ((le - lower) * (rank - below)) / Math.max(1, count - below);
    }
    [lower, below] = [le, count];
  }
  return lower;
}

/** The lag histogram of `after` minus `before` (cumulative counts subtract bucket by bucket). */
function lagFigures(after: [number, number][], before: [number, number][]): LagFigures {
  const buckets = after.map(([le, n]): [number, number] => [
    le,
    n - (before.find(([b]) => b === le)?.[1] ?? 0),
  ]);
  const count = buckets.at(-1)?.[1] ?? 0;
  return {
    p50Seconds: round(histogramQuantile(0.5, buckets), 3),
    p99Seconds: round(histogramQuantile(0.99, buckets), 3),
    within5s: round((buckets.find(([le]) => le === 5)?.[1] ?? 0) / Math.max(1, count), 4),
    count,
  };
}

/** Runs the load generator and resolves with its JSON line. */
function load(args: Record<string, unknown>): Promise<Record<string, number>> {
  return tsxChild(
    join(import.meta.dirname, 'ingest-load.ts'),
    [JSON.stringify(args)],
    (out) => JSON.parse(out.trim()) as Record<string, number>,
  );
}

export async function npmStartIngest(o: NpmStartIngestOptions): Promise<NpmStartIngestResults> {
  const log = o.log ?? (() => undefined);
  const batch = o.batch ?? 50;
  const clients = o.clients ?? 4;
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-npm-start-'));
  const run = await npmStart(await freePort(), dataDir, { TALLY_DDB_MEMORY: '1' });
  try {
    const creds = JSON.parse(
      readFileSync(join(dataDir, CREDENTIALS_FILE), 'utf8'),
    ) as LocalCredentials;
    const { dynamodbEndpoint } = JSON.parse(readFileSync(join(dataDir, ENDPOINTS_FILE), 'utf8'));
    const reference = (seed: number) =>
      rawBatchWriteItemsPerSec(dynamodbEndpoint, `bench-reference-${seed}`, o.events, seed);
    const lagNow = async () => {
      const res = await fetch(`${creds.baseUrl}/metrics?project=${creds.projectId}`, {
        headers: bearer(creds.adminToken),
      });
      return histogram(await res.text(), 'analytics_ingest_lag_seconds', creds.projectId);
    };
    const client = {
      baseUrl: creds.baseUrl,
      writeKey: creds.writeKey,
      adminToken: creds.adminToken,
      projectId: creds.projectId,
      batch,
      clients,
    };
    const loadBefore = round(loadavg()[0] ?? 0, 1);
    const before = await reference(1);
    const measured = await load({ ...client, events: o.events, seed: 21 });
    const after = await reference(2);
    const mean = (before + after) / 2;
    const afterRun = await lagNow();
    const lag = lagFigures(afterRun, []);
    if (lag.count !== o.events)
      throw new Error(`the lag histogram holds ${lag.count} of ${o.events}`);
    const steadyPerSec = o.steadyPerSec ?? 100;
    await load({ ...client, events: o.steadyEvents, seed: 22, ratePerSec: steadyPerSec });
    const steadyLag = lagFigures(await lagNow(), afterRun);
    if (steadyLag.count !== o.steadyEvents)
      throw new Error(
        `the lag histogram holds ${steadyLag.count} of ${o.steadyEvents} steady events`,
      );
    const eventsPerSec = Math.round(o.events / (measured.countedSeconds as number));
    const results: NpmStartIngestResults = {
      events: o.events,
      batch,
      clients,
      acceptedSeconds: round(measured.acceptedSeconds as number),
      countedSeconds: round(measured.countedSeconds as number),
      eventsPerSec,
      refused503: measured.refused503 as number,
      rawBatchWriteItemsPerSec: { before, after, mean: Math.round(mean) },
      ratio: round(eventsPerSec / mean),
      lag,
      steady: { events: o.steadyEvents, perSec: steadyPerSec, lag: steadyLag },
      loadAverage: [loadBefore, round(loadavg()[0] ?? 0, 1)],
    };
    log(
      `ingest through npm start, ${clients} clients × ${batch}-event requests: ${eventsPerSec} events/s counted (${results.ratio} × raw BatchWriteItem ${before}/${after} items/s); lag p50 ${lag.p50Seconds} s, p99 ${lag.p99Seconds} s; at ${steadyPerSec} events/s: lag p50 ${steadyLag.p50Seconds} s, p99 ${steadyLag.p99Seconds} s; load ${results.loadAverage.join(' → ')}`,
    );
    return results;
  } finally {
    await interrupt(run.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// Run directly (not imported by bench/run.ts): this section alone.
if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      events: { type: 'string' },
      batch: { type: 'string', default: '50' },
      clients: { type: 'string', default: '4' },
    },
  });
  const results = await npmStartIngest({
    events: Number(values.events ?? (values.quick ? 300 : 20_000)),
    batch: Number(values.batch),
    clients: Number(values.clients),
    steadyEvents: values.quick ? 300 : 3_000,
    log: (line) => console.error(line),
  });
  console.log(JSON.stringify(results, null, 2));
}
