/**
 * Folding a day: how the rollup commits a day's figures up to a watermark W (a bucket boundary
 * old enough that no ingest can still be writing into an earlier bucket). It commits, in one
 * transaction, the day's rollup item with W and the all-time totals' correction: what the day now
 * adds up to minus what the totals had counted for it (the previous rollup plus the live buckets
 * it folds). Live buckets at or after W stay live; those before W are then deleted. What the
 * figures are is the caller's (rollup.ts: a rebuild from raw events, or a compaction).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { StorageConfig } from '../contract/config/storage.ts';
import { keys, period, sidePartition } from '../contract/keys.ts';
import type { Log } from '../http/logger.ts';
import { bucketOf } from '../model/time.ts';
import type { Parts } from '../store/aggregate.ts';
import type { Counters } from '../store/contributions.ts';
import { addExpression, readPeriod, type ServedPeriod } from '../store/counters.ts';
import {
  type DayRollup,
  encodeSide,
  SIDE_KINDS,
  type SideKind,
  toStored,
} from '../store/day-store.ts';
import { batchDelete, mapLimit, queryAll } from '../store/dynamo.ts';
import { totalsOf } from '../store/labels.ts';

export interface RollupDeps {
  ddb: DynamoDBDocumentClient;
  storage: StorageConfig;
  now: () => number;
  log: Log;
  /**
   * How long after a bucket ends it may still be written to: longer than the ingest function's
   * timeout. Buckets that ended earlier than this are folded.
   */
  settleMs: number;
}

export interface DayResult {
  projectId: string;
  day: string;
  events: number;
  watermark: string;
  /** What the all-time totals were corrected by (non-zero only after a crash or a race). */
  correction: Counters;
}

const TRANSACTION_ATTEMPTS = 4;

/** What a fold of a day stores: its figures up to the watermark, and the totals' correction. */
export interface Folded {
  parts: Parts;
  events: number;
  correction: Counters;
}

/**
 * Stores a day's figures up to a new watermark: `build` computes them, then the rollup item and
 * the totals' correction are committed together if no other rollup of the day committed in
 * between (else it starts again from what that one stored), and folded data is cleaned up.
 */
export async function foldDay(
  deps: RollupDeps,
  projectId: string,
  day: string,
  build: (
    served: ServedPeriod,
    previous: DayRollup | undefined,
    watermark: string,
  ) => Promise<Folded | undefined>,
): Promise<DayResult> {
  const { storage } = deps;
  const now = bucketOf(deps.now() - deps.settleMs, storage.bucketSeconds);
  for (let attempt = 1; ; attempt++) {
    const served = await readPeriod(deps.ddb, storage.tableName, projectId, period.day(day));
    const previous = served.rollup as DayRollup | undefined;
    // Never backwards: buckets before the stored watermark are already deleted.
    const watermark = previous && previous.watermark > now ? previous.watermark : now;
    const folded = await build(served, previous, watermark);
    if (!folded) {
      return { projectId, day, events: previous?.events ?? 0, watermark, correction: {} };
    }
    const { parts, events, correction } = folded;
    const chunks = await writeSides(deps, projectId, day, watermark, parts);
    const item: DayRollup = {
      // Every commit of the day's rollup gets the next revision: two folds that read the same
      // item (even at the same watermark) cannot both commit, so no correction lands twice.
      rev: (typeof previous?.rev === 'number' ? previous.rev : 0) + 1,
      c: parts.counters,
      x: parts.agg,
      watermark,
      rebuiltAt: new Date(deps.now()).toISOString(),
      chunks,
      events,
    };
    try {
      await commit(deps, projectId, day, item, previous, correction);
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== 'TransactionCanceledException' || attempt >= TRANSACTION_ATTEMPTS) throw error;
      await sleep(50 * attempt);
      continue;
    }
    await cleanUp(
      deps,
      projectId,
      day,
      watermark,
      served.buckets.map((b) => b.bucket),
    );
    if (Object.keys(correction).length) {
      deps.log.warn('rollup corrected the totals', { projectId, day, correction });
    }
    return { projectId, day, events, watermark, correction };
  }
}

/** The live buckets a fold at `watermark` takes in: from the previous watermark up to it. */
export function folding(served: ServedPeriod, previous: DayRollup | undefined, watermark: string) {
  return served.buckets.filter(
    (b) => b.bucket < watermark && (!previous || b.bucket >= previous.watermark),
  );
}

/** Writes the side maps as a new generation; returns the chunk count of each. */
async function writeSides(
  deps: RollupDeps,
  projectId: string,
  day: string,
  generation: string,
  parts: Parts,
): Promise<Record<SideKind, number>> {
  const chunks = {} as Record<SideKind, number>;
  const items: Record<string, unknown>[] = [];
  const stored = toStored(parts);
  for (const kind of SIDE_KINDS) {
    const encoded = encodeSide(stored[kind]);
    chunks[kind] = encoded.length;
    encoded.forEach((z, i) => {
      items.push({ ...keys.sideChunk(projectId, day, generation, kind, i), z });
    });
  }
  await mapLimit(items, 4, (Item) =>
    deps.ddb.send(new PutCommand({ TableName: deps.storage.tableName, Item })),
  );
  return chunks;
}

/** The rollup item and the totals' correction, atomically, if nobody committed in between. */
async function commit(
  deps: RollupDeps,
  projectId: string,
  day: string,
  item: DayRollup,
  previous: DayRollup | undefined,
  correction: Counters,
): Promise<void> {
  // The totals keep per-model tokens for the project's first models only (store/labels.ts).
  const mapped = await totalsOf(
    { ddb: deps.ddb, tableName: deps.storage.tableName },
    projectId,
    correction,
  );
  const entries = Object.entries(mapped).filter(([, v]) => v !== 0);
  const condition =
    previous === undefined
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : typeof previous.rev === 'number'
        ? { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': previous.rev } }
        : {
            // An item written before revisions: its watermark is all there is to compare.
            ConditionExpression: 'attribute_not_exists(rev) AND watermark = :previous',
            ExpressionAttributeValues: { ':previous': previous.watermark },
          };
  const totals = entries.length
    ? [
        {
          Update: {
            TableName: deps.storage.tableName,
            Key: keys.totals(projectId),
            ...addExpression(entries),
          },
        },
      ]
    : [];
  await deps.ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: deps.storage.tableName,
            Item: { ...keys.counterRollup(projectId, period.day(day)), ...item },
            ...condition,
          },
        },
        ...totals,
      ],
    }),
  );
}

/**
 * Deletes folded live buckets and older side generations. Only older ones: a rollup that started
 * later may already have committed a newer generation, which must survive this one's clean-up.
 */
async function cleanUp(
  deps: RollupDeps,
  projectId: string,
  day: string,
  watermark: string,
  buckets: string[],
): Promise<void> {
  const { storage, ddb } = deps;
  const sides = await queryAll(ddb, {
    TableName: storage.tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': sidePartition(projectId, day) },
    ProjectionExpression: 'pk, sk',
  });
  const stale = sides
    .filter((i) => (i.sk as string) < `${watermark}#`)
    .map((i) => ({ pk: i.pk as string, sk: i.sk as string }));
  const folded = buckets
    .filter((b) => b < watermark)
    .map((b) => keys.counterBucket(projectId, period.day(day), b));
  const left = await batchDelete(ddb, storage.tableName, [...stale, ...folded]);
  // Harmless, since readers skip older generations and folded buckets, but it costs storage.
  if (left.length) deps.log.warn('rollup left folded items undeleted', { projectId, day, left });
}
