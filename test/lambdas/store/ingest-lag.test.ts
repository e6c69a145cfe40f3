/**
 * The ingestion-lag histogram behind `analytics_ingest_lag_seconds`: ingest adds each counted
 * event's lag (receivedAt → the commit that counted it) to its day's item in the commit, so under
 * concurrent copies and crashes it holds each counted event once, in the bucket of its lag.
 */
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import type { TallyEvent } from '../../../lambdas/model/events.ts';
import { readTotals } from '../../../lambdas/store/counters.ts';
import {
  LAG_BUCKETS,
  lagCounters,
  lagHistogram,
  readIngestLag,
} from '../../../lambdas/store/ingest-lag.ts';
import { ingestDeps } from '../../helpers/deps.ts';
import { createTestTable } from '../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../helpers/events.ts';
import { crashAt, jittered, seeded } from '../../helpers/faults.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const DAY = '2026-11-22';
/** Lags (ms) that land in every bucket, on both sides of a bound, and beyond the last. */
const LAGS = [0, 50, 51, 99, 100, 400, 999, 1000, 2400, 4000, 9000, 29_000, 61_000, 900_000, 2e6];

const events = (n: number, prefix: string): TallyEvent[] =>
  Array.from({ length: n }, (_, i) =>
    tallyEvent({
      messageId: `${prefix}${i}`,
      userId: `u${i % 5}`,
      timestamp: `${DAY}T10:00:00.000Z`,
      receivedAt: new Date(NOW - (LAGS[i % LAGS.length] as number)).toISOString(),
    }),
  );

/** The cumulative histogram of `lagsMs`, counted here one by one. */
const expected = (lagsMs: number[]) => ({
  buckets: Object.fromEntries(
    LAG_BUCKETS.map((le) => [String(le), lagsMs.filter((ms) => ms <= le * 1000).length]),
  ),
  sumSeconds: lagsMs.reduce((a, b) => a + b, 0) / 1000,
  count: lagsMs.length,
});

describe('ingestion lag', () => {
  it('keeps a lag beyond the last bound in the count only, and reads nothing as empty', () => {
    const h = lagHistogram(lagCounters([10, 2e6]));
    expect(h.count).toBe(2);
    expect(h.buckets['900']).toBe(1);
    expect(lagHistogram(undefined)).toEqual(expected([]));
  });

  it('holds every counted event once, in its bucket, when each batch reaches three concurrent invocations', async () => {
    const t = await createTestTable();
    const list = events(600, 'c');
    const random = seeded(3);
    const records: SQSRecord[] = [];
    for (let i = 0; i < list.length; i += 50) {
      const batch = list.slice(i, i + 50);
      for (let copy = 0; copy < 3; copy++) records.push(sqsRecord(batch.map((e) => ({ ...e }))));
    }
    records.sort(() => random() - 0.5);
    const deps = { ...ingestDeps(t, NOW), ddb: jittered(t.ddb, 4, random) };
    const invocations: SQSRecord[][] = [];
    for (let i = 0; i < records.length; i += 3) invocations.push(records.slice(i, i + 3));
    const results = await Promise.all(invocations.map((r) => ingest(deps, r)));
    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);

    const lag = await readIngestLag(t.ddb, t.tableName, 'p1', DAY);
    expect(lag).toEqual(expected(list.map((_, i) => LAGS[i % LAGS.length] as number)));
    expect(lag.count).toBe((await readTotals(t.ddb, t.tableName, 'p1')).events);
  });

  it('holds each event once after a crash at any DynamoDB call and a redelivery', {
    timeout: 120_000,
  }, async () => {
    const list = events(30, 'k');
    const record = sqsRecord(list, { messageId: 'sqs-1' });
    const probe = await createTestTable();
    const clean = crashAt(probe.ddb, Number.POSITIVE_INFINITY, 'after');
    await ingest({ ...ingestDeps(probe, NOW), ddb: clean.client }, [record]);
    expect(clean.calls()).toBeGreaterThan(5);
    for (let at = 1; at <= clean.calls(); at++) {
      const t = await createTestTable();
      const crash = crashAt(t.ddb, at, 'after');
      void ingest({ ...ingestDeps(t, NOW), ddb: crash.client }, [record]);
      await crash.crashed;
      const redelivered = {
        ...record,
        attributes: { ...record.attributes, ApproximateReceiveCount: '2' },
      };
      // Six minutes later: what the crashed commit counted keeps its lag, the rest gets 6 min more.
      await ingest(ingestDeps(t, NOW + 360_000), [redelivered]);
      const lag = await readIngestLag(t.ddb, t.tableName, 'p1', DAY);
      expect(lag.count, `crash after call ${at}`).toBe(30);
      expect(lag.count).toBe((await readTotals(t.ddb, t.tableName, 'p1')).events);
    }
  });
});
