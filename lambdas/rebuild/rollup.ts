/**
 * The rollup: rebuilds a day's exact figures from its fact log (every counted event, once) and
 * overwrites what is stored, so reports read aggregates, never the events of a whole period, and
 * damaged figures are corrected. Running it twice gives the same result. Between rebuilds, a compaction folds the live
 * layer into the stored figures cheaply. Both commit through `foldDay` (fold.ts).
 */
import { keys, userDayPartition } from '../contract/keys.ts';
import { emptyParts, partsOf } from '../store/aggregate.ts';
import {
  addCounters,
  COUNTER,
  type Counters,
  isAdditiveAcrossDays,
} from '../store/contributions.ts';
import { type Need, readDay, SIDE_KINDS } from '../store/day-store.ts';
import { batchGet, mapLimit, queryAll } from '../store/dynamo.ts';
import { readFactsSince } from '../store/fact-log.ts';
import { mergeParts } from '../store/merge.ts';
import { type DayResult, foldDay, folding, type RollupDeps } from './fold.ts';

/**
 * Rebuilds one day of one project from its fact log — the exact record of every counted event,
 * each once — and its user markers: the truth, and the totals' correction (zero unless something
 * was deleted, or stored figures were damaged).
 */
export function rollupDay(deps: RollupDeps, projectId: string, day: string): Promise<DayResult> {
  return foldDay(deps, projectId, day, async (served, previous, watermark) => {
    const facts = await readFactsSince(
      deps.ddb,
      deps.storage.tableName,
      projectId,
      day,
      undefined,
      watermark,
    );
    // Aggregation must not depend on the order the log was read in.
    facts.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const parts = partsOf(facts);
    const actors = await activeBefore(deps, projectId, day, watermark);
    if (actors.length) parts.counters[COUNTER.activeUsers] = actors.length;
    const newUsers = await countNewUsers(deps, projectId, day, actors, watermark);
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

/**
 * The users active on the day whose marker was created before the watermark: ingest counted
 * each into the live bucket that created its marker, so this is what the rebuilt layer holds.
 */
async function activeBefore(
  deps: RollupDeps,
  projectId: string,
  day: string,
  watermark: string,
): Promise<string[]> {
  const shards = Array.from({ length: deps.storage.userShards }, (_, s) => s);
  const perShard = await mapLimit(shards, 4, (shard) =>
    queryAll(deps.ddb, {
      TableName: deps.storage.tableName,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'createdBucket < :w',
      ExpressionAttributeValues: {
        ':pk': userDayPartition(projectId, day, shard),
        ':w': watermark,
      },
      ProjectionExpression: 'sk',
    }),
  );
  return perShard.flat().map((i) => String(i.sk));
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
