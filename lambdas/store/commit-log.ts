/**
 * A project's commit log: every ingest commit that counts events claims the next number of the
 * log with a conditional put, in the same transaction as its fact-log items and counter
 * increments, and lists the ids it counted (as 8-byte hashes). Two writers holding copies of one
 * event therefore cannot both count it: the second to commit finds the first's entry between the
 * number it read before checking and the number it claims, and leaves the event out. Why that is
 * exact, and the one timing bound it rests on, is in docs/data-model.md "Exactly once".
 */
import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { commitLogPartition, commitSortKey, keys } from '../contract/keys.ts';
import { TABLE } from '../contract/table.ts';
import { MS } from '../model/time.ts';

/** Bytes of an id's hash: 2^-64 per pair makes a false "already counted" negligible. */
const HASH_BYTES = 8;

/**
 * How long commit entries are kept: a record redriven from the dead-letter queue (kept 14 days)
 * must still find the commits of the time it was first processed.
 */
export const COMMIT_TTL_DAYS = 15;

/** Attribute names of a commit entry. */
const ATTR = { writer: 'w', at: 'at', hashes: 'h' } as const;

export interface CommitEntry {
  version: number;
  /** The ingest invocation that committed it. */
  writer: string;
  /** The writer's clock when it committed, epoch ms. */
  at: number;
  /** Hashes of the messageIds it counted. */
  hashes: Set<string>;
}

/** The hash of a messageId as the commit log stores and compares it. */
export function idHash(messageId: string): string {
  return createHash('sha256')
    .update(messageId)
    .digest('hex')
    .slice(0, HASH_BYTES * 2);
}

/** The item of a commit entry; `hashes` in any order. */
export function commitEntryItem(
  projectId: string,
  entry: Omit<CommitEntry, 'hashes'> & { hashes: Iterable<string> },
): Record<string, unknown> {
  const hex = [...entry.hashes].join('');
  return {
    ...keys.commit(projectId, entry.version),
    [ATTR.writer]: entry.writer,
    [ATTR.at]: entry.at,
    [ATTR.hashes]: Buffer.from(hex, 'hex'),
    [TABLE.ttlAttribute]: Math.floor((entry.at + COMMIT_TTL_DAYS * MS.day) / 1000),
  };
}

function entryOf(item: Record<string, unknown>): CommitEntry {
  const raw = item[ATTR.hashes];
  const hex = raw instanceof Uint8Array ? Buffer.from(raw).toString('hex') : '';
  const hashes = new Set<string>();
  for (let i = 0; i < hex.length; i += HASH_BYTES * 2) hashes.add(hex.slice(i, i + HASH_BYTES * 2));
  return {
    version: Number(item.sk),
    writer: String(item[ATTR.writer]),
    at: Number(item[ATTR.at]),
    hashes,
  };
}

/** The number of the last commit of a project's log (0 before the first), read consistently. */
export async function latestCommit(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
): Promise<number> {
  const res = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': commitLogPartition(projectId) },
      ProjectionExpression: 'sk',
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  const sk = res.Items?.[0]?.sk;
  return typeof sk === 'string' ? Number(sk) : 0;
}

/**
 * The commits after number `after`, in order, read consistently; reading stops at the first one
 * committed after `untilAt` (epoch ms), when given.
 */
export async function commitsAfter(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  after: number,
  untilAt = Number.POSITIVE_INFINITY,
): Promise<CommitEntry[]> {
  const out: CommitEntry[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk > :after',
        ExpressionAttributeValues: {
          ':pk': commitLogPartition(projectId),
          ':after': commitSortKey(after),
        },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of res.Items ?? []) {
      const entry = entryOf(item);
      if (entry.at > untilAt) return out;
      out.push(entry);
    }
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}
