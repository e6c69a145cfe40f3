/**
 * Ingest: stores each raw event once and applies the live-counter increments of the events that
 * were new, summed in memory per key (DESIGN.md "ingest").
 *
 * Exactness: a raw event's key depends only on (project, day, messageId), so a BatchGet tells
 * which events are already stored and storing twice is a no-op. Counters are a speed layer: after
 * a crash between storing and counting, or two concurrent copies of one event, the rollup rebuilds
 * the truth from the raw events (see store/counters.ts).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { EventsDetail } from '../contract/bus.ts';
import type { StorageConfig } from '../contract/config/storage.ts';
import { type Key, keys, period } from '../contract/keys.ts';
import type { Log } from '../http/logger.ts';
import { actorOf, type TallyEvent } from '../model/events.ts';
import { bucketOf } from '../model/time.ts';
import { COUNTER, contributions } from '../store/contributions.ts';
import { applyIncrements, IncrementSet } from '../store/counters.ts';
import {
  batchGet,
  batchPut,
  isConditionFailed,
  keyString,
  mapLimit,
  putIfAbsent,
} from '../store/dynamo.ts';
import { factLogItems } from '../store/fact-log.ts';
import { type Fact, factOf } from '../store/facts.ts';
import { eventDay, rawTtl, toRawItem } from '../store/raw-events.ts';
import { userDayItem, userProfileItem } from '../store/users.ts';

export interface IngestDeps {
  ddb: DynamoDBDocumentClient;
  storage: StorageConfig;
  now: () => number;
  log: Log;
  /**
   * Sends a record to the dead-letter queue with its reason. Without it, failing records are
   * only reported failed and SQS moves them after `maxReceiveCount` receives, reason unknown.
   */
  deadLetter?: ((record: SQSRecord, reason: string) => Promise<void>) | undefined;
  /** The queue's receive limit: the receive on which a failing record is dead-lettered. */
  maxReceiveCount: number;
}

export interface IngestStats {
  received: number;
  stored: number;
  duplicates: number;
  failedRecords: number;
  deadLettered: number;
}

interface Candidate {
  recordId: string;
  event: TallyEvent;
  key: Key;
  lookups: Key[];
}

/** Reads the detail of an EventBridge-to-SQS record, or explains why it cannot be read. */
export function parseRecord(record: SQSRecord): EventsDetail | string {
  let envelope: { detail?: unknown };
  try {
    envelope = JSON.parse(record.body);
  } catch {
    return 'body is not JSON';
  }
  const d = envelope.detail as Partial<EventsDetail> | undefined;
  if (d?.v !== 1) return 'detail is missing or of an unknown version';
  if (typeof d.projectId !== 'string' || !d.projectId) return 'detail.projectId is missing';
  if (!Array.isArray(d.events)) return 'detail.events is not an array';
  for (const e of d.events) {
    if (
      !e ||
      typeof e.messageId !== 'string' ||
      typeof e.type !== 'string' ||
      Number.isNaN(Date.parse(e.timestamp)) ||
      Number.isNaN(Date.parse(e.receivedAt)) ||
      e.projectId !== d.projectId
    ) {
      return 'detail.events holds an event without messageId, type, timestamps or the chunk project';
    }
  }
  return d as EventsDetail;
}

export async function ingest(
  deps: IngestDeps,
  records: SQSRecord[],
): Promise<SQSBatchResponse & { stats: IngestStats }> {
  const { storage } = deps;
  /** Why each failing record failed, by SQS messageId. */
  const failures = new Map<string, { reason: string; permanent: boolean }>();
  const candidates: Candidate[] = [];

  for (const record of records) {
    const detail = parseRecord(record);
    if (typeof detail === 'string') {
      failures.set(record.messageId, { reason: `unreadable record: ${detail}`, permanent: true });
      continue;
    }
    for (const event of detail.events) {
      const key = keys.rawEvent(
        event.projectId,
        eventDay(event),
        event.messageId,
        storage.eventShards,
      );
      const other = detail.dedupeDays?.[event.messageId] ?? [];
      const lookups = [
        key,
        ...other.map((day) =>
          keys.rawEvent(event.projectId, day, event.messageId, storage.eventShards),
        ),
      ];
      candidates.push({ recordId: record.messageId, event, key, lookups });
    }
  }

  const storedAt = deps.now();
  const bucket = bucketOf(storedAt, storage.bucketSeconds);
  let duplicates = 0;
  const stored: TallyEvent[] = [];
  try {
    const fresh = await newEvents(deps, candidates);
    duplicates = candidates.length - fresh.length;
    const unprocessed = await batchPut(
      deps.ddb,
      storage.tableName,
      fresh.map((c) => toRawItem(c.event, storage, bucket)),
    );
    const notStored = new Set(unprocessed.map((i) => keyString(i)));
    for (const c of fresh) {
      if (!notStored.has(keyString(c.key))) stored.push(c.event);
      else
        failures.set(c.recordId, {
          reason: 'DynamoDB left events unprocessed after retries',
          permanent: false,
        });
    }
  } catch (error) {
    // Nothing is known to be stored: every record is retried (their stored events dedupe then).
    for (const c of candidates) {
      failures.set(c.recordId, {
        reason: `storage failed: ${(error as Error).message}`,
        permanent: false,
      });
    }
  }

  try {
    await applyLiveLayer(deps, stored, bucket, storedAt);
  } catch (error) {
    // The events are stored; only the speed layer is behind until the next rollup.
    deps.log.error('live layer not updated; the rollup will correct it', {
      error,
      events: stored.length,
    });
  }

  const retry: string[] = [];
  let deadLettered = 0;
  for (const record of records) {
    const failure = failures.get(record.messageId);
    if (!failure) continue;
    const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1);
    const last = failure.permanent || receives >= deps.maxReceiveCount;
    if (last && deps.deadLetter) {
      try {
        await deps.deadLetter(record, failure.reason);
        deadLettered++;
        deps.log.error('record dead-lettered', {
          messageId: record.messageId,
          receives,
          reason: failure.reason,
        });
        continue;
      } catch (error) {
        deps.log.error('dead-lettering failed; leaving the record to SQS', {
          messageId: record.messageId,
          error,
        });
      }
    }
    deps.log.warn('record failed; SQS will retry it', {
      messageId: record.messageId,
      receives,
      reason: failure.reason,
    });
    retry.push(record.messageId);
  }

  const stats: IngestStats = {
    received: candidates.length,
    stored: stored.length,
    duplicates,
    failedRecords: retry.length,
    deadLettered,
  };
  deps.log.info('ingested', { ...stats });
  return { batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })), stats };
}

/** The candidates not stored yet: a BatchGet of their keys, and the first copy within the batch. */
async function newEvents(deps: IngestDeps, candidates: Candidate[]): Promise<Candidate[]> {
  const existing = await batchGet(
    deps.ddb,
    deps.storage.tableName,
    candidates.flatMap((c) => c.lookups),
    // Eventually consistent: half the read cost. A redelivery comes minutes later, long after a
    // write is visible; a copy racing its original within the second is what the rollup corrects.
    { consistent: false, projection: [] },
  );
  const seen = new Set<string>();
  const fresh: Candidate[] = [];
  for (const c of candidates) {
    const id = `${c.event.projectId}\u0000${c.event.messageId}`;
    if (seen.has(id) || c.lookups.some((k) => existing.has(keyString(k)))) continue;
    seen.add(id);
    fresh.push(c);
  }
  return fresh;
}

/**
 * The speed layer for the events this call stored: their facts go to the fact log, new distinct
 * users get their markers, and every counter increment is added, once per key.
 */
async function applyLiveLayer(
  deps: IngestDeps,
  events: TallyEvent[],
  bucket: string,
  storedAt: number,
): Promise<void> {
  const { storage } = deps;
  const set = new IncrementSet();
  const logs = new Map<string, { projectId: string; day: string; facts: Fact[]; ttl: number }>();
  for (const e of events) {
    const f = factOf(e);
    const day = eventDay(e);
    const c = contributions(f);
    set.add(keys.counterBucket(e.projectId, period.day(day), bucket), c);
    set.add(keys.totals(e.projectId), c);
    const logKey = `${e.projectId}\u0000${day}`;
    const log = logs.get(logKey) ?? {
      projectId: e.projectId,
      day,
      facts: [],
      ttl: rawTtl(e, storage),
    };
    log.facts.push(f);
    logs.set(logKey, log);
  }
  const unprocessed = await batchPut(
    deps.ddb,
    storage.tableName,
    [...logs.values()].flatMap((l) =>
      factLogItems(l.projectId, l.day, bucket, storedAt, l.facts, l.ttl),
    ),
  );
  if (unprocessed.length) throw new Error(`${unprocessed.length} fact log items left unprocessed`);

  for (const u of await markActiveUsers(deps, events, bucket)) {
    set.add(keys.counterBucket(u.projectId, period.day(u.day), bucket), {
      [COUNTER.activeUsers]: 1,
      ...(u.isNew ? { [COUNTER.newUsers]: 1 } : {}),
    });
    if (u.isNew) set.add(keys.totals(u.projectId), { [COUNTER.newUsers]: 1 });
  }
  await Promise.all([
    applyIncrements(deps.ddb, storage.tableName, set.list()),
    saveTraits(deps, events),
  ]);
}

/**
 * Keeps the traits of `identify` calls on the user's profile, merged as Segment does (a later
 * call's traits overwrite the same names, others stay). Identify calls are rare next to other
 * events, so two small writes per user identified in a batch are cheap.
 */
async function saveTraits(deps: IngestDeps, events: TallyEvent[]): Promise<void> {
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

interface UserDay {
  projectId: string;
  day: string;
  actor: string;
  event: TallyEvent;
}

/**
 * Creates the (day, user) markers and user profiles these events imply and returns the ones this
 * call created: those are the new active users (and, with a new profile, new users). Conditional
 * puts make each marker count once even under concurrency.
 */
async function markActiveUsers(
  deps: IngestDeps,
  events: TallyEvent[],
  bucket: string,
): Promise<(UserDay & { isNew: boolean })[]> {
  const { storage, ddb } = deps;
  const pairs = new Map<string, UserDay>();
  for (const e of events) {
    const actor = actorOf(e);
    if (!actor) continue;
    const day = eventDay(e);
    const id = `${e.projectId}\u0000${day}\u0000${actor}`;
    const prior = pairs.get(id);
    if (!prior || prior.event.timestamp > e.timestamp) {
      pairs.set(id, { projectId: e.projectId, day, actor, event: e });
    }
  }
  if (!pairs.size) return [];
  const markerKey = (p: UserDay) => keys.userDay(p.projectId, p.day, p.actor, storage.userShards);
  const profileKey = (p: UserDay) => keys.user(p.projectId, p.actor, storage.userShards);

  const markers = await batchGet(ddb, storage.tableName, [...pairs.values()].map(markerKey), {
    consistent: false,
    projection: [],
  });
  const missing = [...pairs.values()].filter((p) => !markers.has(keyString(markerKey(p))));
  if (!missing.length) return [];

  const profiles = await batchGet(ddb, storage.tableName, missing.map(profileKey), {
    consistent: false,
    projection: [],
  });
  // A profile is created once, for the actor's earliest day in this batch.
  const firstDayOf = new Map<string, UserDay>();
  for (const p of missing) {
    const id = keyString(profileKey(p));
    if (profiles.has(id)) continue;
    const prior = firstDayOf.get(id);
    if (!prior || prior.event.timestamp > p.event.timestamp) firstDayOf.set(id, p);
  }

  const created = await mapLimit(missing, 16, async (p) => {
    let isNew = false;
    const seen = { ...p, first: p.event.timestamp, bucket };
    if (firstDayOf.get(keyString(profileKey(p))) === p) {
      const identity = { userId: p.event.userId, anonymousId: p.event.anonymousId };
      isNew = await putIfAbsent(
        ddb,
        storage.tableName,
        userProfileItem(seen, identity, storage.userShards),
      );
    }
    const marked = await putIfAbsent(ddb, storage.tableName, userDayItem(seen, storage.userShards));
    return marked ? { ...p, isNew } : undefined;
  });
  return created.filter((c): c is UserDay & { isNew: boolean } => c !== undefined);
}
