/**
 * The items that make user counts exact: a (day, user) marker, which exists at most once, so a
 * user is active on a day once; and a user profile, created once, which makes a user new once.
 * Ingest creates both for the events it stores; the rollup re-creates what a crash left missing.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StorageConfig } from '../contract/config/storage.ts';
import { keys } from '../contract/keys.ts';
import { batchGet, keyString } from './dynamo.ts';

/** Who was first seen, where and when. */
export interface FirstSeen {
  projectId: string;
  day: string;
  actor: string;
  /** The first event's time, ISO 8601. */
  first: string;
  /** The storage bucket that created the item. */
  bucket: string;
}

export function userDayItem(u: FirstSeen, userShards: number): Record<string, unknown> {
  return {
    ...keys.userDay(u.projectId, u.day, u.actor, userShards),
    first: u.first,
    createdBucket: u.bucket,
  };
}

export function userProfileItem(
  u: FirstSeen,
  identity: { userId?: string | undefined; anonymousId?: string | undefined },
  userShards: number,
): Record<string, unknown> {
  return {
    ...keys.user(u.projectId, u.actor, userShards),
    actor: u.actor,
    ...identity,
    firstSeen: u.first,
    firstDay: u.day,
    createdBucket: u.bucket,
  };
}

/** The days of `days` on which `actor` was active: one BatchGet of the user-day markers. */
export async function daysActive(
  deps: {
    ddb: DynamoDBDocumentClient;
    tableName: string;
    storage: Pick<StorageConfig, 'userShards'>;
  },
  projectId: string,
  days: string[],
  actor: string,
): Promise<Set<string>> {
  const markerOf = (day: string) => keys.userDay(projectId, day, actor, deps.storage.userShards);
  const found = await batchGet(deps.ddb, deps.tableName, days.map(markerOf), { projection: [] });
  return new Set(days.filter((d) => found.has(keyString(markerOf(d)))));
}

/**
 * The day each of `actors` was first seen (their profile's `firstDay`): one BatchGet per 100
 * actors. An actor without a profile (deleted, or not yet re-created after a crash) is absent.
 */
export async function firstDaysOf(
  deps: {
    ddb: DynamoDBDocumentClient;
    tableName: string;
    storage: Pick<StorageConfig, 'userShards'>;
  },
  projectId: string,
  actors: Iterable<string>,
): Promise<Map<string, string>> {
  const list = [...new Set(actors)];
  const keyOf = (actor: string) => keys.user(projectId, actor, deps.storage.userShards);
  const found = await batchGet(deps.ddb, deps.tableName, list.map(keyOf), {
    projection: ['firstDay'],
  });
  const out = new Map<string, string>();
  for (const actor of list) {
    const day = found.get(keyString(keyOf(actor)))?.firstDay;
    if (typeof day === 'string') out.set(actor, day);
  }
  return out;
}
