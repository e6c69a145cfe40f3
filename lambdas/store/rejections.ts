/**
 * The rejections report's storage: each rejected item counted once (by its id: write key and
 * content, so a client resending a batch does not inflate a count), its sample kept for a while,
 * and counts per day and of all time (docs/data-model.md "Rejections").
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { RejectedItem } from '../contract/bus.ts';
import { keys, rejectionCountsPartition, rejectionSamplePartition } from '../contract/keys.ts';
import { TABLE } from '../contract/table.ts';
import { dayOf } from '../model/time.ts';
import { addExpression } from './counters.ts';
import { batchGet, chunk, keyString, queryAll } from './dynamo.ts';
import { createOnce } from './transactions.ts';

/**
 * Days a rejected item's id and sample are kept: a resend within them is not counted again.
 * Counts are kept for good (one small item per project and day).
 */
export const REJECTION_KEEP_DAYS = 15;
/** Rejections per transaction: each puts its id and its sample, beside two counter updates. */
const PER_TRANSACTION = 40;
/** The all-time counts' sort key. */
const ALL = 'ALL';

/** A rejected item with the request it came in. */
export interface RejectionRecord extends RejectedItem {
  projectId: string;
  keyId: string;
  /** Epoch ms. */
  receivedAt: number;
  route: string;
}

/** Counter attribute names of a counts item. */
const C = {
  total: 'n',
  reason: (code: string) => `r:${code}`,
  /** Per write key and reason (the day items only). */
  keyReason: (keyId: string, code: string) => `k:${keyId}:${code}`,
} as const;

/**
 * Counts each record once, over every resend: its id item is created on condition that it does
 * not exist, in the transaction that adds its counts and stores its sample. Answers the records
 * this call counted (the others were counted before).
 */
export async function recordRejections(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  shards: number,
  records: readonly RejectionRecord[],
): Promise<RejectionRecord[]> {
  // One transaction may not name an item twice: copies within the call are one rejection.
  const unique = new Map<string, RejectionRecord>();
  for (const r of records) {
    const at = `${r.projectId}\u0000${r.id}`;
    if (!unique.has(at)) unique.set(at, r);
  }
  const groups = new Map<string, RejectionRecord[]>();
  for (const r of unique.values()) {
    const group = `${r.projectId}\u0000${dayOf(r.receivedAt)}`;
    groups.set(group, [...(groups.get(group) ?? []), r]);
  }
  const counted: RejectionRecord[] = [];
  for (const group of groups.values()) {
    for (const part of chunk(group, PER_TRANSACTION)) {
      counted.push(...(await recordPart(ddb, tableName, shards, part)));
    }
  }
  return counted;
}

/**
 * The records whose id is not stored yet (consistent reads): what the rejections sink is sent
 * before they are counted. Two copies processed at once may both be unseen; the count stays
 * exact, as `recordRejections` decides by condition.
 */
export async function unseenRejections(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  shards: number,
  records: readonly RejectionRecord[],
): Promise<RejectionRecord[]> {
  const keyOf = (r: RejectionRecord) => keys.rejection(r.projectId, r.id, shards);
  const found = await batchGet(ddb, tableName, records.map(keyOf), {
    consistent: true,
    projection: [],
  });
  const seen = new Set<string>();
  return records.filter((r) => {
    const at = keyString(keyOf(r));
    if (found.has(at) || seen.has(at)) return false;
    seen.add(at);
    return true;
  });
}

/** One transaction's worth (one project and day); the ids that exist already are left out. */
function recordPart(
  ddb: DynamoDBDocumentClient,
  TableName: string,
  shards: number,
  records: RejectionRecord[],
): Promise<RejectionRecord[]> {
  // The id puts come first: those that failed their condition were counted before.
  return createOnce(ddb, records, (pending) => {
    const first = pending[0] as RejectionRecord;
    const day = dayOf(first.receivedAt);
    const ttl = Math.floor(first.receivedAt / 1000) + REJECTION_KEEP_DAYS * 86_400;
    const dayCounts: Record<string, number> = {};
    const allCounts: Record<string, number> = {};
    const add = (counts: Record<string, number>, name: string) => {
      counts[name] = (counts[name] ?? 0) + 1;
    };
    for (const r of pending) {
      for (const counts of [dayCounts, allCounts]) {
        add(counts, C.total);
        add(counts, C.reason(r.code));
      }
      add(dayCounts, C.keyReason(r.keyId, r.code));
    }
    return [
      ...pending.map((r) => ({
        Put: {
          TableName,
          Item: {
            ...keys.rejection(r.projectId, r.id, shards),
            at: r.receivedAt,
            [TABLE.ttlAttribute]: ttl,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      })),
      ...pending.map((r) => ({
        Put: {
          TableName,
          Item: {
            ...keys.rejectionSample(r.projectId, day, r.receivedAt, r.id),
            ...sampleAttributes(r),
            [TABLE.ttlAttribute]: ttl,
          },
        },
      })),
      ...[
        [day, dayCounts],
        [ALL, allCounts],
      ].map(([scope, counts]) => ({
        Update: {
          TableName,
          Key: keys.rejectionCounts(first.projectId, scope as string),
          ...addExpression(Object.entries(counts as Record<string, number>)),
        },
      })),
    ];
  });
}

const sampleAttributes = (r: RejectionRecord) => ({
  id: r.id,
  index: r.index,
  code: r.code,
  reason: r.reason,
  keyId: r.keyId,
  route: r.route,
  sample: r.sample,
  receivedAt: r.receivedAt,
  ...(r.messageId === undefined ? {} : { messageId: r.messageId }),
});

/** A kept sample, as the report shows it. */
export interface RejectionSample {
  receivedAt: string;
  keyId: string;
  route: string;
  index: number;
  code: string;
  reason: string;
  messageId?: string;
  sample: string;
}

/** Counts over a range of days: by reason, and by write key and reason. */
export interface RejectionCounts {
  total: number;
  byReason: Record<string, number>;
  byWriteKey: Record<string, Record<string, number>>;
}

function countsOf(items: Record<string, unknown>[]): RejectionCounts {
  const out: RejectionCounts = { total: 0, byReason: {}, byWriteKey: {} };
  for (const item of items) {
    for (const [name, value] of Object.entries(item)) {
      if (typeof value !== 'number') continue;
      if (name === C.total) out.total += value;
      else if (name.startsWith('r:')) {
        const code = name.slice(2);
        out.byReason[code] = (out.byReason[code] ?? 0) + value;
      } else if (name.startsWith('k:')) {
        // Key ids have no ':', codes have none either: the last one splits them.
        const at = name.lastIndexOf(':');
        const keyId = name.slice(2, at);
        const code = name.slice(at + 1);
        const key = out.byWriteKey[keyId] ?? {};
        key[code] = (key[code] ?? 0) + value;
        out.byWriteKey[keyId] = key;
      }
    }
  }
  return out;
}

/** A project's counts over the days `from`..`to` (one Query of its counts partition). */
export async function readRejectionCounts(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  from: string,
  to: string,
): Promise<RejectionCounts> {
  const items = await queryAll(ddb, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': rejectionCountsPartition(projectId),
      ':from': from,
      ':to': to,
    },
  });
  return countsOf(items);
}

/** A project's all-time counts by reason (for /metrics). */
export async function readRejectionTotals(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
): Promise<Record<string, number>> {
  const res = await ddb.send(
    new GetCommand({ TableName: tableName, Key: keys.rejectionCounts(projectId, ALL) }),
  );
  return countsOf(res.Item ? [res.Item] : []).byReason;
}

/** The newest `limit` samples of the days given (newest day first), newest first. */
export async function readRejectionSamples(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  days: readonly string[],
  limit: number,
): Promise<RejectionSample[]> {
  const out: RejectionSample[] = [];
  for (const day of [...days].sort().reverse()) {
    if (out.length >= limit) break;
    const res = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': rejectionSamplePartition(projectId, day) },
        ScanIndexForward: false,
        Limit: limit - out.length,
      }),
    );
    for (const item of res.Items ?? []) {
      out.push({
        receivedAt: new Date(item.receivedAt as number).toISOString(),
        keyId: item.keyId as string,
        route: item.route as string,
        index: item.index as number,
        code: item.code as string,
        reason: item.reason as string,
        ...(typeof item.messageId === 'string' ? { messageId: item.messageId } : {}),
        sample: item.sample as string,
      });
    }
  }
  return out;
}
