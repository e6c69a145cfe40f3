/**
 * The fact log: each ingest invocation writes the facts of the events it newly stored, one item
 * per (project, event day), deflated. Reports read the log since a day's rollup watermark as the
 * live layer; the activity feed and the raw event listing page through it, newest first.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './dynamo.ts';
import type { Fact } from './facts.ts';
import { BUCKET_PREFIX, factLogPartition, keys } from './keys.ts';

export const FACTS_ATTRIBUTE = 'z';

/** The item holding `facts` (all of one project and day), stored in `bucket`. */
export function factLogItem(
  projectId: string,
  day: string,
  bucket: string,
  facts: Fact[],
  ttl: number,
): Record<string, unknown> {
  // Deterministic id: the same facts written twice (a retried write) land on the same item.
  const id = createHash('sha256')
    .update(facts.map((f) => f.id).join('\n'))
    .digest('base64url')
    .slice(0, 16);
  return {
    ...keys.factLog(projectId, day, bucket, id),
    n: facts.length,
    [FACTS_ATTRIBUTE]: deflateRawSync(JSON.stringify(facts)),
    ttl,
  };
}

export function factsOfItem(item: Record<string, unknown>): Fact[] {
  const z = item[FACTS_ATTRIBUTE];
  if (!(z instanceof Uint8Array)) return [];
  return JSON.parse(inflateRawSync(z).toString('utf8')) as Fact[];
}

/** The facts of a day stored at or after `fromBucket` (all when undefined): the live layer. */
export async function readFactsSince(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  day: string,
  fromBucket: string | undefined,
): Promise<Fact[]> {
  const items = await queryAll(ddb, {
    TableName: tableName,
    KeyConditionExpression: fromBucket ? 'pk = :pk AND sk >= :from' : 'pk = :pk',
    ExpressionAttributeValues: {
      ':pk': factLogPartition(projectId, day),
      ...(fromBucket ? { ':from': `${BUCKET_PREFIX}${fromBucket}` } : {}),
    },
  });
  return items.flatMap(factsOfItem);
}

/** One page of a day's log, newest first. */
export async function readFactPage(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  day: string,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<{ facts: Fact[][]; keys: Record<string, unknown>[]; next?: Record<string, unknown> }> {
  const res = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': factLogPartition(projectId, day) },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  const items = res.Items ?? [];
  return {
    facts: items.map(factsOfItem),
    keys: items.map((i) => ({ pk: i.pk, sk: i.sk })),
    ...(res.LastEvaluatedKey ? { next: res.LastEvaluatedKey } : {}),
  };
}
