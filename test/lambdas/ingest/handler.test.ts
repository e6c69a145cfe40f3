/**
 * The ingest Lambda reports each counted event's ingestion lag as the IngestLag metric (embedded
 * metric format on stdout, as Lambda ships it), and nothing for a copy it did not count.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { INGEST_METRICS } from '../../../lambdas/contract/telemetry.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../helpers/events.ts';

let t: TestTable;

beforeAll(async () => {
  t = await createTestTable();
  vi.stubEnv('TABLE_NAME', t.tableName);
  vi.stubEnv('DYNAMODB_ENDPOINT', t.storage.dynamodbEndpoint ?? '');
  vi.stubEnv('TALLY_EVENT_SHARDS', String(t.storage.eventShards));
  vi.stubEnv('TALLY_USER_SHARDS', String(t.storage.userShards));
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Tally/Test');
});

afterEach(() => vi.restoreAllMocks());
afterAll(() => vi.unstubAllEnvs());

/** The IngestLag values of the EMF documents written. */
function lags(writes: unknown[][]): number[] {
  return writes
    .map(([chunk]) => String(chunk))
    .filter((line) => line.includes('"_aws"'))
    .flatMap((line) => {
      const doc = JSON.parse(line) as Record<string, unknown> & {
        _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Unit: string }[] }[] };
      };
      expect(doc._aws.CloudWatchMetrics[0]).toMatchObject({
        Namespace: 'Tally/Test',
        Metrics: [{ Name: INGEST_METRICS.lag, Unit: 'Milliseconds' }],
      });
      const v = doc[INGEST_METRICS.lag];
      return Array.isArray(v) ? (v as number[]) : [v as number];
    });
}

describe('ingest handler', () => {
  it('reports one IngestLag value per counted event, none for a copy', async () => {
    const receivedAt = new Date(Date.now() - 60_000).toISOString();
    const events = Array.from({ length: 150 }, (_, i) =>
      tallyEvent({ messageId: `h-${i}`, receivedAt }),
    );
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const { handler } = await import('../../../lambdas/ingest/handler.ts');
    const first = await handler({ Records: [sqsRecord(events)] }, {} as never);
    const firstLags = lags(write.mock.calls);
    write.mockClear();
    await handler({ Records: [sqsRecord(events.slice(0, 10))] }, {} as never);
    const againLags = lags(write.mock.calls);
    vi.restoreAllMocks();

    expect(first).toEqual({ batchItemFailures: [] });
    // 150 values: Powertools writes them 100 to a line.
    expect(firstLags).toHaveLength(150);
    for (const ms of firstLags) {
      expect(ms).toBeGreaterThanOrEqual(60_000);
      expect(ms).toBeLessThan(60_000 + 120_000);
    }
    expect(againLags).toEqual([]);
  });
});
