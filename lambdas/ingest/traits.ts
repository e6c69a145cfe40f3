/** Identify traits, kept on the user's profile. */
import { isDeepStrictEqual } from 'node:util';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Key, keys } from '../contract/keys.ts';
import { actorOf, type TallyEvent } from '../model/events.ts';
import { batchGet, isConditionFailed, keyString, mapLimit } from '../store/dynamo.ts';
import type { IngestDeps } from './deps.ts';

const TRAITS = 'traits';

/**
 * Keeps the traits of `identify` calls on the user's profile, merged as Segment does (a later
 * call's traits overwrite the same names, others stay). The batch's calls are folded per user;
 * one consistent read of the profiles then tells, per user, whether the profile holds these
 * values already (services identify on every session, mostly with the same traits: nothing is
 * written) and which single write sets the rest, instead of trying writes until one's condition
 * holds.
 */
export async function saveTraits(deps: IngestDeps, events: TallyEvent[]): Promise<void> {
  const byUser = new Map<string, { key: Key; traits: Record<string, unknown> }>();
  const ordered = events
    .filter((e) => e.type === 'identify' && Object.keys(e.traits).length)
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  for (const e of ordered) {
    const actor = actorOf(e);
    if (!actor) continue;
    const key = keys.user(e.projectId, actor, deps.storage.userShards);
    const id = keyString(key);
    const entry = byUser.get(id) ?? { key, traits: {} };
    Object.assign(entry.traits, e.traits);
    byUser.set(id, entry);
  }
  if (!byUser.size) return;
  const TableName = deps.storage.tableName;
  // Consistent: a write skipped on a stale read would let an earlier call's value stand.
  const profiles = await batchGet(
    deps.ddb,
    TableName,
    [...byUser.values()].map((u) => u.key),
    { consistent: true, projection: [TRAITS] },
  );
  await mapLimit([...byUser.values()], 8, async ({ key, traits }) => {
    const profile = profiles.get(keyString(key));
    // No profile: markActiveUsers creates it before this runs; creating one here would hide a
    // new user from it (a user deleted meanwhile keeps none).
    if (!profile) return;
    const stored = profile[TRAITS] as Record<string, unknown> | undefined;
    const names = Object.keys(traits).filter(
      (n) => n && !(stored && n in stored && isDeepStrictEqual(stored[n], traits[n])),
    );
    if (!names.length) return;
    // One write in the usual case (the profile has traits already): set the names that change.
    const merge = new UpdateCommand({
      TableName,
      Key: key,
      ConditionExpression: 'attribute_exists(#t)',
      UpdateExpression: `SET ${names.map((_, i) => `#t.#k${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: {
        '#t': TRAITS,
        ...Object.fromEntries(names.map((n, i) => [`#k${i}`, n])),
      },
      ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, traits[n]])),
    });
    // The first identify of a user: the whole map, on an existing profile only.
    const first = new UpdateCommand({
      TableName,
      Key: key,
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#t)',
      UpdateExpression: 'SET #t = :traits',
      ExpressionAttributeNames: { '#t': TRAITS },
      ExpressionAttributeValues: {
        ':traits': Object.fromEntries(names.map((n) => [n, traits[n]])),
      },
    });
    // What the read said first; if a concurrent writer changed that since, the other way.
    const order = stored ? [merge, first, merge] : [first, merge];
    for (const command of order) {
      try {
        await deps.ddb.send(command);
        return;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    }
  });
}
