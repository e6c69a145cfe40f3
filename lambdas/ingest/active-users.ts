/**
 * Distinct users, counted exactly: the first event of a user on a day creates the (day, user)
 * marker, and the user's first event ever creates the profile; each is a conditional put in one
 * transaction with the counter increments it implies, so a marker exists once and is counted once
 * — under concurrency, redelivery or a crash at any point.
 */
import { keys, period } from '../contract/keys.ts';
import { actorOf, type TallyEvent } from '../model/events.ts';
import { COUNTER } from '../store/contributions.ts';
import { addExpression, IncrementSet } from '../store/counters.ts';
import { batchGet, keyString } from '../store/dynamo.ts';
import { eventDay } from '../store/raw-events.ts';
import { createOnce, MAX_TRANSACTION_ITEMS } from '../store/transactions.ts';
import { type FirstSeen, userDayItem, userProfileItem } from '../store/users.ts';
import type { IngestDeps } from './deps.ts';

interface UserDay {
  day: string;
  actor: string;
  event: TallyEvent;
}

/** A conditional put and the increments it carries when it creates its item. */
interface Creation {
  item: Record<string, unknown>;
  day: string;
  counter: typeof COUNTER.activeUsers | typeof COUNTER.newUsers;
}

/**
 * Creates the markers and profiles these events imply, with their counts. `guard` runs before
 * every write (it throws once the invocation may no longer write).
 */
export async function markActiveUsers(
  deps: IngestDeps,
  projectId: string,
  events: TallyEvent[],
  bucket: string,
  guard: () => void,
): Promise<void> {
  const { storage, ddb } = deps;
  const pairs = new Map<string, UserDay>();
  for (const e of events) {
    const actor = actorOf(e);
    if (!actor) continue;
    const day = eventDay(e);
    const id = `${day}\u0000${actor}`;
    const prior = pairs.get(id);
    if (!prior || prior.event.timestamp > e.timestamp) pairs.set(id, { day, actor, event: e });
  }
  if (!pairs.size) return;
  const markerKey = (p: UserDay) => keys.userDay(projectId, p.day, p.actor, storage.userShards);
  const profileKey = (p: UserDay) => keys.user(projectId, p.actor, storage.userShards);

  // Reads only save writes that would fail: the conditions, not the reads, make counts exact.
  const markers = await batchGet(ddb, storage.tableName, [...pairs.values()].map(markerKey), {
    projection: [],
  });
  const missing = [...pairs.values()].filter((p) => !markers.has(keyString(markerKey(p))));
  if (!missing.length) return;
  const profiles = await batchGet(ddb, storage.tableName, missing.map(profileKey), {
    projection: [],
  });
  // A profile is created once, for the actor's earliest day in this batch.
  const firstDayOf = new Map<string, UserDay>();
  for (const p of missing) {
    if (profiles.has(keyString(profileKey(p)))) continue;
    const prior = firstDayOf.get(p.actor);
    if (!prior || prior.event.timestamp > p.event.timestamp) firstDayOf.set(p.actor, p);
  }

  const creations: Creation[] = [];
  for (const p of missing) {
    const seen: FirstSeen = { projectId, ...p, first: p.event.timestamp, bucket };
    creations.push({
      item: userDayItem(seen, storage.userShards),
      day: p.day,
      counter: COUNTER.activeUsers,
    });
    if (firstDayOf.get(p.actor) === p) {
      const identity = { userId: p.event.userId, anonymousId: p.event.anonymousId };
      creations.push({
        item: userProfileItem(seen, identity, storage.userShards),
        day: p.day,
        counter: COUNTER.newUsers,
      });
    }
  }
  // Room in each transaction for one counter item per day and the totals.
  const perTransaction = Math.floor(MAX_TRANSACTION_ITEMS / 2) - 1;
  for (let i = 0; i < creations.length; i += perTransaction) {
    await createAll(deps, projectId, creations.slice(i, i + perTransaction), bucket, guard);
  }
}

/** One transaction: the puts that still create something, and exactly their increments. */
async function createAll(
  deps: IngestDeps,
  projectId: string,
  creations: Creation[],
  bucket: string,
  guard: () => void,
): Promise<void> {
  const TableName = deps.storage.tableName;
  // The items that exist already are someone else's to count.
  await createOnce(
    deps.ddb,
    creations,
    (pending) => {
      const set = new IncrementSet();
      for (const c of pending) {
        set.add(keys.counterBucket(projectId, period.day(c.day), bucket), { [c.counter]: 1 });
        if (c.counter === COUNTER.newUsers) set.add(keys.totals(projectId), { [c.counter]: 1 });
      }
      return [
        ...pending.map((c) => ({
          Put: { TableName, Item: c.item, ConditionExpression: 'attribute_not_exists(pk)' },
        })),
        ...set.list().map(({ key, counters }) => ({
          Update: { TableName, Key: key, ...addExpression(Object.entries(counters)) },
        })),
      ];
    },
    { beforeSend: guard },
  );
}
