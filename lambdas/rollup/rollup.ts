/**
 * The rollup: rebuilds a day's exact figures from its raw events and overwrites what is stored,
 * so that live counters (the speed layer) are corrected and reports read aggregates, never raw
 * events. Running it twice gives the same result.
 *
 * It reads the raw events stored before a watermark W (a bucket boundary old enough that no
 * ingest can still be writing into an earlier bucket), and commits, in one transaction, the day's
 * rollup item with W and the all-time totals' correction: what the day now adds up to minus what
 * the totals had counted for it (the previous rollup plus the live buckets it folds). Live buckets
 * at or after W stay live; those before W are then deleted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { emptyParts, mergeParts, type Parts, partsOf } from '../shared/aggregate.ts';
import type { StorageConfig } from '../shared/config.ts';
import { addExpression, readPeriod, type ServedPeriod } from '../shared/counters.ts';
import {
  type DayRollup,
  encodeSide,
  type Need,
  readDay,
  SIDE_KINDS,
  type SideKind,
  toStored,
} from '../shared/day-store.ts';
import {
  batchDelete,
  batchGet,
  keyString,
  mapLimit,
  putIfAbsent,
  queryAll,
} from '../shared/dynamo.ts';
import { ANONYMOUS_PREFIX } from '../shared/events.ts';
import { readFactsSince } from '../shared/fact-log.ts';
import { type Fact, factOf } from '../shared/facts.ts';
import { keys, period, rawEventPartition, sidePartition } from '../shared/keys.ts';
import type { Log } from '../shared/logger.ts';
import { addCounters, COUNTER, type Counters, isAdditiveAcrossDays } from '../shared/metrics.ts';
import { fromRawItem, RAW } from '../shared/raw-events.ts';
import { bucketOf } from '../shared/time.ts';
import { userDayItem, userProfileItem } from '../shared/users.ts';

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
interface Folded {
  parts: Parts;
  events: number;
  correction: Counters;
}

/**
 * Stores a day's figures up to a new watermark: `build` computes them, then the rollup item and
 * the totals' correction are committed together if no other rollup of the day committed in
 * between (else it starts again from what that one stored), and folded data is cleaned up.
 */
async function foldDay(
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
      c: parts.counters,
      x: parts.agg,
      watermark,
      rebuiltAt: new Date(deps.now()).toISOString(),
      chunks,
      events,
    };
    try {
      await commit(deps, projectId, day, item, previous?.watermark, correction);
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

/** Rebuilds one day of one project from its raw events: the truth, and the totals' correction. */
export function rollupDay(deps: RollupDeps, projectId: string, day: string): Promise<DayResult> {
  return foldDay(deps, projectId, day, async (served, previous, watermark) => {
    const { facts, actors } = await readFacts(deps, projectId, day, watermark);
    const parts = partsOf(facts);
    await repairUsers(deps, projectId, day, actors);
    if (actors.size) parts.counters[COUNTER.activeUsers] = actors.size;
    const newUsers = await countNewUsers(deps, projectId, day, [...actors.keys()], watermark);
    if (newUsers) parts.counters[COUNTER.newUsers] = newUsers;

    // What the totals hold for this day before the watermark: the previous rollup plus the live
    // buckets between its watermark and ours.
    const baseline: Counters = { ...(previous?.c ?? {}) };
    for (const b of folding(served, previous, watermark)) addCounters(baseline, b.counters);
    const correction: Counters = {};
    for (const k of new Set([...Object.keys(baseline), ...Object.keys(parts.counters)])) {
      if (!isAdditiveAcrossDays(k)) continue;
      const delta = (parts.counters[k] ?? 0) - (baseline[k] ?? 0);
      if (delta !== 0) correction[k] = delta;
    }
    return { parts, events: facts.length, correction };
  });
}

/**
 * Folds the live layer of a day into its rollup without reading raw events: the previous
 * figures plus the facts and counter buckets stored since. It keeps reports' reads small between
 * rebuilds at a fraction of a rebuild's cost (facts are ~30 bytes, raw events ~400), and corrects
 * nothing: a rebuild does that.
 */
export function compactDay(deps: RollupDeps, projectId: string, day: string): Promise<DayResult> {
  return foldDay(deps, projectId, day, async (served, previous, watermark) => {
    // Nothing stored since the last fold: nothing to do.
    if (previous?.watermark === watermark) return undefined;
    // The rebuilt layer as stored: the aggregates and every side map, without live facts.
    const store = { ddb: deps.ddb, tableName: deps.storage.tableName };
    const parts = previous
      ? (await readDay(store, projectId, day, EVERY_SIDE, { liveFacts: false, served })).parts
      : emptyParts();
    const facts = await readFactsSince(
      deps.ddb,
      deps.storage.tableName,
      projectId,
      day,
      previous?.watermark,
      watermark,
    );
    mergeParts(parts, partsOf(facts));
    // Counters come from the buckets, as the totals did: a compaction never corrects them.
    parts.counters = { ...(previous?.c ?? {}) };
    for (const b of folding(served, previous, watermark)) addCounters(parts.counters, b.counters);
    return { parts, events: (previous?.events ?? 0) + facts.length, correction: {} };
  });
}

const EVERY_SIDE: Need = Object.fromEntries(SIDE_KINDS.map((kind) => [kind, true]));

/** The live buckets a fold at `watermark` takes in: from the previous watermark up to it. */
function folding(served: ServedPeriod, previous: DayRollup | undefined, watermark: string) {
  return served.buckets.filter(
    (b) => b.bucket < watermark && (!previous || b.bucket >= previous.watermark),
  );
}

interface ActorFirst {
  first: Fact;
  bucket: string;
}

/** The facts of the day's raw events stored before the watermark, and each actor's first fact. */
async function readFacts(deps: RollupDeps, projectId: string, day: string, watermark: string) {
  const facts: Fact[] = [];
  const actors = new Map<string, ActorFirst>();
  const shards = Array.from({ length: deps.storage.eventShards }, (_, s) => s);
  await mapLimit(shards, 4, async (shard) => {
    const items = await queryAll(deps.ddb, {
      TableName: deps.storage.tableName,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#sb < :w',
      ExpressionAttributeNames: { '#sb': RAW.storedBucket },
      ExpressionAttributeValues: {
        ':pk': rawEventPartition(projectId, day, shard),
        ':w': watermark,
      },
    });
    for (const item of items) {
      const f = factOf(fromRawItem(item));
      facts.push(f);
      if (!f.u) continue;
      const prior = actors.get(f.u);
      if (!prior || f.t < prior.first.t) {
        actors.set(f.u, { first: f, bucket: item[RAW.storedBucket] as string });
      }
    }
  });
  // Aggregation must not depend on which shard answered first.
  facts.sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { facts, actors };
}

/**
 * Re-creates the (day, user) markers and profiles a crash left missing, so that a later event
 * of the user does not count them a second time.
 */
async function repairUsers(
  deps: RollupDeps,
  projectId: string,
  day: string,
  actors: Map<string, ActorFirst>,
): Promise<void> {
  if (!actors.size) return;
  const { storage, ddb } = deps;
  const names = [...actors.keys()];
  const [markers, profiles] = await Promise.all([
    batchGet(
      ddb,
      storage.tableName,
      names.map((a) => keys.userDay(projectId, day, a, storage.userShards)),
      { consistent: true, projection: [] },
    ),
    batchGet(
      ddb,
      storage.tableName,
      names.map((a) => keys.user(projectId, a, storage.userShards)),
      { consistent: true, projection: [] },
    ),
  ]);
  const puts: Record<string, unknown>[] = [];
  for (const [actor, { first, bucket }] of actors) {
    const seen = { projectId, day, actor, first: new Date(first.t).toISOString(), bucket };
    if (!markers.has(keyString(keys.userDay(projectId, day, actor, storage.userShards)))) {
      puts.push(userDayItem(seen, storage.userShards));
    }
    if (!profiles.has(keyString(keys.user(projectId, actor, storage.userShards)))) {
      const identity = actor.startsWith(ANONYMOUS_PREFIX)
        ? { anonymousId: actor.slice(ANONYMOUS_PREFIX.length) }
        : { userId: actor };
      puts.push(userProfileItem(seen, identity, storage.userShards));
    }
  }
  await mapLimit(puts, 8, (item) => putIfAbsent(ddb, storage.tableName, item));
}

/** Users whose profile was created by an event of this day stored before the watermark. */
async function countNewUsers(
  deps: RollupDeps,
  projectId: string,
  day: string,
  actors: string[],
  watermark: string,
): Promise<number> {
  const profiles = await batchGet(
    deps.ddb,
    deps.storage.tableName,
    actors.map((a) => keys.user(projectId, a, deps.storage.userShards)),
    { consistent: true, projection: ['firstDay', 'createdBucket'] },
  );
  let n = 0;
  for (const p of profiles.values()) {
    if (p.firstDay === day && typeof p.createdBucket === 'string' && p.createdBucket < watermark)
      n++;
  }
  return n;
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
  previousWatermark: string | undefined,
  correction: Counters,
): Promise<void> {
  const entries = Object.entries(correction);
  const condition =
    previousWatermark === undefined
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : {
          ConditionExpression: 'watermark = :previous',
          ExpressionAttributeValues: { ':previous': previousWatermark },
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
