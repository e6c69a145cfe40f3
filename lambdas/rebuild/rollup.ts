/**
 * The rollup: rebuilds a day's exact figures from its raw events and overwrites what is stored,
 * so that live counters (the speed layer) are corrected and reports read aggregates, never raw
 * events. Running it twice gives the same result. Between rebuilds, a compaction folds the live
 * layer into the stored figures cheaply. Both commit through `foldDay` (fold.ts).
 */
import { keys, rawEventPartition } from '../contract/keys.ts';
import { ANONYMOUS_PREFIX } from '../model/events.ts';
import { emptyParts, partsOf } from '../store/aggregate.ts';
import {
  addCounters,
  COUNTER,
  type Counters,
  isAdditiveAcrossDays,
} from '../store/contributions.ts';
import { type Need, readDay, SIDE_KINDS } from '../store/day-store.ts';
import { batchGet, keyString, mapLimit, putIfAbsent, queryAll } from '../store/dynamo.ts';
import { readFactsSince } from '../store/fact-log.ts';
import { type Fact, factOf } from '../store/facts.ts';
import { mergeParts } from '../store/merge.ts';
import { fromRawItem, RAW } from '../store/raw-events.ts';
import { userDayItem, userProfileItem } from '../store/users.ts';
import { type DayResult, foldDay, folding, type RollupDeps } from './fold.ts';

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
