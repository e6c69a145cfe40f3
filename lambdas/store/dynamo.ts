/**
 * Batch helpers over the document client: request-size chunking, retry of unprocessed keys and
 * items with backoff, and bounded concurrency. Reads and writes here are the hot path of ingest.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Key } from '../contract/keys.ts';

const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
const DEFAULT_ATTEMPTS = 6;

export type Item = Record<string, unknown>;

export function chunk<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep input order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const keyString = (k: Key) => `${k.pk}\u0000${k.sk}`;

/**
 * Gets many keys; returns the found items by `keyString`. Unprocessed keys are retried with
 * backoff; if some are still unprocessed after every attempt this throws, because a missing answer
 * must never read as "absent".
 */
export async function batchGet(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  keys: Key[],
  options: { consistent?: boolean; projection?: string[]; concurrency?: number } = {},
): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  const unique = [...new Map(keys.map((k) => [keyString(k), k])).values()];
  // The key attributes are always projected: results are matched back to keys by them.
  const attributes = options.projection ? [...new Set(['pk', 'sk', ...options.projection])] : [];
  const projection = attributes.length
    ? {
        ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(','),
        ExpressionAttributeNames: Object.fromEntries(attributes.map((p, i) => [`#p${i}`, p])),
      }
    : {};
  await mapLimit(chunk(unique, BATCH_GET_MAX), options.concurrency ?? 8, async (group) => {
    let pending: Key[] = group;
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt >= DEFAULT_ATTEMPTS) {
        throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
      }
      if (attempt) await sleep(25 * 2 ** attempt);
      const res = await ddb.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ConsistentRead: options.consistent ?? false,
              ...projection,
            },
          },
        }),
      );
      for (const item of res.Responses?.[tableName] ?? []) {
        found.set(keyString(item as Key), item);
      }
      pending = (res.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
    }
  });
  return found;
}

interface WriteOptions {
  concurrency?: number;
  attempts?: number;
  /** Runs before every BatchWriteItem call; a throw stops the writing (a deadline, say). */
  beforeEach?: () => void;
}

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Key } };

/**
 * Runs many write requests in BatchWriteItem calls of 25, retrying unprocessed ones with backoff.
 * Returns the requests still unprocessed after every attempt; never drops them silently.
 */
async function batchWrite(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  requests: WriteRequest[],
  options: WriteOptions = {},
): Promise<WriteRequest[]> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const leftovers = await mapLimit(
    chunk(requests, BATCH_WRITE_MAX),
    options.concurrency ?? 8,
    async (group) => {
      let pending: WriteRequest[] = group;
      for (let attempt = 0; pending.length && attempt < attempts; attempt++) {
        if (attempt) await sleep(25 * 2 ** attempt);
        options.beforeEach?.();
        try {
          const res = await ddb.send(
            new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
          );
          pending = (res.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
        } catch (error) {
          if (attempt === attempts - 1) throw error;
        }
      }
      return pending;
    },
  );
  return leftovers.flat();
}

/**
 * Puts many items (idempotent puts to deterministic keys). Returns the items still unprocessed
 * after every retry, for the caller to report as failed; never drops them silently.
 */
export async function batchPut<T extends Item>(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  items: T[],
  options: WriteOptions = {},
): Promise<T[]> {
  const left = await batchWrite(
    ddb,
    tableName,
    items.map((Item) => ({ PutRequest: { Item } })),
    options,
  );
  return left.flatMap((r) => ('PutRequest' in r ? [r.PutRequest.Item as T] : []));
}

/** Deletes many keys; returns the keys still not deleted after every retry. */
export async function batchDelete(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  keys: Key[],
): Promise<Key[]> {
  const left = await batchWrite(
    ddb,
    tableName,
    keys.map((Key) => ({ DeleteRequest: { Key } })),
  );
  return left.flatMap((r) => ('DeleteRequest' in r ? [r.DeleteRequest.Key] : []));
}

/** True for the error DynamoDB gives when a write's condition does not hold. */
export const isConditionFailed = (error: unknown) =>
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';

/** Puts `item` unless an item with its key exists; true when this call created it. */
export async function putIfAbsent(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  item: Item,
): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

/** Every item a query matches, following `LastEvaluatedKey` to the end. */
export async function queryAll(
  ddb: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await ddb.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  return items;
}
