/**
 * The fact log: each ingest invocation writes the facts of the events it newly stored, one item
 * per (project, event day), deflated. Reports read the log since a day's rollup watermark as the
 * live layer; the activity feed, the raw event listing and message insights page through it,
 * newest first (log-pages.ts). Facts are stored in their compact form (fact-codec.ts).
 */
import { inflateRawSync } from 'node:zlib';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { BUCKET_PREFIX, factLogPartition, type Key, keys } from '../contract/keys.ts';
import { TABLE } from '../contract/table.ts';
import { deflate } from './deflate.ts';
import { queryAll } from './dynamo.ts';
import { decodeFact, encodeFact, type StoredFact } from './fact-codec.ts';
import type { Fact } from './facts.ts';

export const FACTS_ATTRIBUTE = 'z';

/**
 * Facts per log item: an item is then about 3 KB, so the newest activity is one small read
 * however large the ingest batches were.
 */
export const FACTS_PER_ITEM = 100;

/**
 * The key of one fact-log item of an ingest invocation (`writer`, started at `storedAt`, in
 * storage bucket `bucket`): items sort by bucket, then by storage time, so the log reads newest
 * first. The writer assigns every event its item before storing it, so a stored raw event names
 * the item whose existence says its writer committed (docs/data-model.md "Exactly once").
 */
export function factItemKey(
  projectId: string,
  day: string,
  bucket: string,
  storedAt: number,
  index: number,
  writer: string,
): Key {
  const id = `${String(storedAt).padStart(13, '0')}#${String(index).padStart(3, '0')}#${writer}`;
  return keys.factLog(projectId, day, bucket, id);
}

/** When the writer of a fact-log item started (epoch ms), read from the item's sort key. */
export function writerStartOf(sortKey: string): number {
  // `B#<bucket>#<storedAt>#<index>#<writer>`
  return Number(sortKey.split('#')[2]);
}

/** A fact-log item holding `facts` (possibly none: an empty item still records the commit). */
export function factLogItem(key: Key, facts: Fact[], ttl: number): Record<string, unknown> {
  return {
    ...key,
    n: facts.length,
    [FACTS_ATTRIBUTE]: deflate(JSON.stringify(facts.map(encodeFact))),
    [TABLE.ttlAttribute]: ttl,
  };
}

export function factsOfItem(item: Record<string, unknown>): Fact[] {
  const z = item[FACTS_ATTRIBUTE];
  if (!(z instanceof Uint8Array)) return [];
  return (JSON.parse(inflateRawSync(z).toString('utf8')) as StoredFact[]).map(decodeFact);
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
