/**
 * The fact log: each ingest invocation writes the facts of the events it newly stored, one item
 * per (project, event day), deflated. Reports read the log since a day's rollup watermark as the
 * live layer; the activity feed and the raw event listing page through it, newest first.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { BUCKET_PREFIX, factLogPartition, keys } from '../contract/keys.ts';
import { TABLE } from '../contract/table.ts';
import { queryAll } from './dynamo.ts';
import type { Fact } from './facts.ts';

export const FACTS_ATTRIBUTE = 'z';

/**
 * Facts per log item: an item is then about 3 KB, so the newest activity is one small read
 * however large the ingest batches were.
 */
export const FACTS_PER_ITEM = 100;

/**
 * The items holding `facts` (of one project and day), stored in `bucket` at `storedAt`. Keys sort
 * by storage time, so the log reads newest first; the rest of the key is a hash of the facts'
 * ids, so writing the same facts again (a retried write) lands on the same items.
 */
export function factLogItems(
  projectId: string,
  day: string,
  bucket: string,
  storedAt: number,
  facts: Fact[],
  ttl: number,
): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < facts.length; i += FACTS_PER_ITEM) {
    const part = facts.slice(i, i + FACTS_PER_ITEM);
    const hash = createHash('sha256')
      .update(part.map((f) => f.id).join('\n'))
      .digest('base64url')
      .slice(0, 16);
    const id = `${String(storedAt).padStart(13, '0')}#${String(i / FACTS_PER_ITEM).padStart(3, '0')}#${hash}`;
    items.push({
      ...keys.factLog(projectId, day, bucket, id),
      n: part.length,
      [FACTS_ATTRIBUTE]: deflateRawSync(JSON.stringify(part)),
      [TABLE.ttlAttribute]: ttl,
    });
  }
  return items;
}

export function factsOfItem(item: Record<string, unknown>): Fact[] {
  const z = item[FACTS_ATTRIBUTE];
  if (!(z instanceof Uint8Array)) return [];
  return JSON.parse(inflateRawSync(z).toString('utf8')) as Fact[];
}

/**
 * The facts of a day stored at or after `fromBucket` (all when undefined), and before `toBucket`
 * when given: the live layer, or the part of it a compaction folds.
 */
export async function readFactsSince(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  day: string,
  fromBucket: string | undefined,
  toBucket?: string,
): Promise<Fact[]> {
  const from = `${BUCKET_PREFIX}${fromBucket ?? ''}`;
  // Item keys are `B#<bucket>#<id>`: every one of bucket `toBucket` sorts after `B#<toBucket>`.
  const items = await queryAll(ddb, {
    TableName: tableName,
    KeyConditionExpression:
      toBucket === undefined ? 'pk = :pk AND sk >= :from' : 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': factLogPartition(projectId, day),
      ':from': from,
      ...(toBucket === undefined ? {} : { ':to': `${BUCKET_PREFIX}${toBucket}` }),
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
