/** Identify traits, kept on the user's profile. */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/keys.ts';
import { actorOf, type TallyEvent } from '../model/events.ts';
import { isConditionFailed, mapLimit } from '../store/dynamo.ts';
import type { IngestDeps } from './deps.ts';

/**
 * Keeps the traits of `identify` calls on the user's profile, merged as Segment does (a later
 * call's traits overwrite the same names, others stay). Identify calls are rare next to other
 * events, so two small writes per user identified in a batch are cheap.
 */
export async function saveTraits(deps: IngestDeps, events: TallyEvent[]): Promise<void> {
  const byUser = new Map<
    string,
    { projectId: string; actor: string; traits: Record<string, unknown> }
  >();
  const ordered = events
    .filter((e) => e.type === 'identify' && Object.keys(e.traits).length)
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  for (const e of ordered) {
    const actor = actorOf(e);
    if (!actor) continue;
    const id = `${e.projectId}\u0000${actor}`;
    const entry = byUser.get(id) ?? { projectId: e.projectId, actor, traits: {} };
    Object.assign(entry.traits, e.traits);
    byUser.set(id, entry);
  }
  await mapLimit([...byUser.values()], 8, async ({ projectId, actor, traits }) => {
    const Key = keys.user(projectId, actor, deps.storage.userShards);
    const names = Object.keys(traits).filter(Boolean);
    if (!names.length) return;
    const TableName = deps.storage.tableName;
    // One write in the usual case (the profile has traits already): set the names sent.
    const merge = new UpdateCommand({
      TableName,
      Key,
      ConditionExpression: 'attribute_exists(#t)',
      UpdateExpression: `SET ${names.map((_, i) => `#t.#k${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: {
        '#t': 'traits',
        ...Object.fromEntries(names.map((n, i) => [`#k${i}`, n])),
      },
      ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, traits[n]])),
    });
    // The first identify of a user: the whole map, on an existing profile only (creating one here
    // would hide a new user from markActiveUsers).
    const first = new UpdateCommand({
      TableName,
      Key,
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#t)',
      UpdateExpression: 'SET #t = :traits',
      ExpressionAttributeNames: { '#t': 'traits' },
      ExpressionAttributeValues: {
        ':traits': Object.fromEntries(names.map((n) => [n, traits[n]])),
      },
    });
    for (const command of [merge, first, merge]) {
      try {
        await deps.ddb.send(command);
        return;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    }
  });
}
