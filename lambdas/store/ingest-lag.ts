/**
 * Ingestion lag per project and UTC day, as a histogram of fixed buckets: how long each counted
 * event took from its `receivedAt` (track) to the commit that stored and counted it. Ingest adds
 * a commit's lags to the day's item inside that commit's transaction, so each counted event is in
 * it exactly once, as in the counters; `GET /metrics` reads the item (one GetItem per project) and
 * exposes it as `analytics_ingest_lag_seconds` (docs/operations.md "Ingestion lag").
 * Not rebuilt by the rollup: the lag is a fact of the commit, not of the event.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/keys.ts';
import type { Counters } from './contributions.ts';

/** Upper bounds of the buckets, seconds: from the SQS batching window up to the queue's alarm. */
export const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900] as const;

/** Attribute names of the lag item: events counted, their summed lag (ms), and one per bucket. */
const COUNT = 'n';
const SUM_MS = 'ms';
const bucketName = (le: number) => `le${le}`;

/** A day's lags as the exposition needs them. */
export interface LagHistogram {
  /** Events with a lag of at most `le` seconds, by bound (cumulative). */
  buckets: Record<string, number>;
  sumSeconds: number;
  count: number;
}

/** The counters one commit adds to its day's lag item, from its events' lags (ms). */
export function lagCounters(lagsMs: readonly number[]): Counters {
  const out: Counters = {};
  if (!lagsMs.length) return out;
  out[COUNT] = lagsMs.length;
  out[SUM_MS] = lagsMs.reduce((a, b) => a + b, 0);
  for (const ms of lagsMs) {
    // Non-cumulative: each lag in the first bucket that holds it; beyond the last, only in `n`.
    const le = LAG_BUCKETS.find((b) => ms <= b * 1000);
    if (le !== undefined) out[bucketName(le)] = (out[bucketName(le)] ?? 0) + 1;
  }
  return out;
}

/** The stored counters of a day, as a cumulative histogram. */
export function lagHistogram(stored: Record<string, unknown> | undefined): LagHistogram {
  const num = (name: string) => Number(stored?.[name] ?? 0);
  let cumulative = 0;
  const buckets: Record<string, number> = {};
  for (const le of LAG_BUCKETS) {
    cumulative += num(bucketName(le));
    buckets[String(le)] = cumulative;
  }
  return { buckets, sumSeconds: num(SUM_MS) / 1000, count: num(COUNT) };
}

/** A project's lag histogram of one UTC day (empty if nothing was counted that day). */
export async function readIngestLag(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  day: string,
): Promise<LagHistogram> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: keys.ingestLag(projectId, day) }),
  );
  return lagHistogram(Item);
}
