/**
 * The benchmark's reference: raw `BatchWriteItem` of items like ingest's raw events (the standard
 * workload, the default shards and retention), 8 requests in flight as ingest has, into a table of
 * its own on the DynamoDB Local being measured. Every ingest figure is a ratio to it, taken in the
 * same run.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STORAGE, storageConfig } from '../lambdas/contract/config/storage.ts';
import { batchPut } from '../lambdas/store/dynamo.ts';
import { toRawItem } from '../lambdas/store/raw-events.ts';
import { ensureTable } from '../local/table.ts';
import { events as workload } from './workload.ts';

/** Writes `n` raw-event items into `tableName` (created if absent); returns items/s. */
export async function rawBatchWriteItemsPerSec(
  endpoint: string,
  tableName: string,
  n: number,
  seed = 1,
): Promise<number> {
  const lowLevel = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await ensureTable(lowLevel, tableName);
    const client = DynamoDBDocumentClient.from(lowLevel);
    const storage = storageConfig({ [STORAGE.tableName.env]: tableName });
    const now = new Date().toISOString();
    const items = workload(n, { seed }).map((m, i) =>
      toRawItem(
        {
          messageId: `ref-${seed}-${i}`,
          projectId: 'reference',
          type: (m.type as 'track') ?? 'track',
          event: m.event as string,
          userId: m.userId as string,
          timestamp: now,
          receivedAt: now,
          properties: (m.properties ?? {}) as Record<string, unknown>,
          traits: {},
          context: (m.context ?? {}) as Record<string, unknown>,
        },
        storage,
        { day: '2026-01-01', factItem: 'ref', seenVersion: 0 },
      ),
    );
    const t0 = performance.now();
    const left = await batchPut(client, tableName, items, { concurrency: 8 });
    if (left.length) throw new Error('reference writes left items unprocessed');
    return Math.round(n / ((performance.now() - t0) / 1000));
  } finally {
    lowLevel.destroy();
  }
}
