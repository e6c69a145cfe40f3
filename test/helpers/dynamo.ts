/** A fresh table in the shared DynamoDB Local, per test file (or per test). */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { StorageConfig } from '../../lambdas/contract/config/storage.ts';
import { queryAll } from '../../lambdas/store/dynamo.ts';
import { ensureTable } from '../../local/table.ts';

export interface TestTable {
  tableName: string;
  ddb: DynamoDBDocumentClient;
  storage: StorageConfig;
  /** Every item of the table (small test tables only). */
  scan(): Promise<Record<string, unknown>[]>;
  /** Every item of one partition, all pages. */
  query(pk: string): Promise<Record<string, unknown>[]>;
}

export async function createTestTable(overrides: Partial<StorageConfig> = {}): Promise<TestTable> {
  const endpoint = inject('dynamodbEndpoint');
  const tableName = `test-${randomUUID()}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1' });
  // Tests run on a controlled clock (dates in November 2026) while DynamoDB Local expires items
  // by the real one: with expiry on, a test's facts and raw events vanish once the real date
  // passes their `ttl` (a day of usage-trends read as zeros on 2026-12-02). Expiry is AWS's job;
  // what Tally controls, the `ttl` each item carries, is still written and checked.
  await ensureTable(client, tableName, { ttl: false });
  const ddb = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    tableName,
    ddb,
    storage: {
      tableName,
      dynamodbEndpoint: endpoint,
      eventShards: 4,
      userShards: 2,
      bucketSeconds: 300,
      retentionDays: 30,
      ...overrides,
    },
    async scan() {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const res = await ddb.send(
          new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }),
        );
        items.push(...(res.Items ?? []));
        start = res.LastEvaluatedKey;
      } while (start);
      return items;
    },
    query(pk: string) {
      return queryAll(ddb, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      });
    },
  };
}
