/**
 * Deleting one user's data: raw events, fact-log entries, (day, user) markers and profile, with
 * every figure they were part of recomputed and an audit record kept. Why it is exact under
 * concurrent ingest and re-runnable after a crash is in docs/data-model.md "Deleting a user".
 *
 * A request made at time T deletes what was stored before the *cutoff* C, the first storage bucket
 * boundary after T. It runs in two phases, each when it is due (the rollup's schedule, the
 * refresh endpoint, or `npm run users:delete`):
 *  1. once no ingest can still write before C and the rollup may fold every bucket before C
 *     (C + settle): delete the user's raw events and facts stored before C, their markers and
 *     their profile (if created before C);
 *  2. a settle time later (every ingest that could have seen a marker or profile before phase 1
 *     deleted it has committed): re-create the marker or profile that the user's events stored
 *     since C need and that phase 1 removed, counted as ingest counts them, then rebuild every
 *     day phase 1 touched from its fact log, which corrects the all-time totals.
 * What the user sends from C on is counted as new data. Every step is a conditional write
 * that does nothing the second time, in one transaction with the audit record's counts, so a
 * crashed or concurrent run finishes the job and counts each item once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { BUCKET_PREFIX, factLogPartition, type Key, keys, period } from '../contract/keys.ts';
import { identityOf } from '../model/events.ts';
import { addDays, bucketOf, dayOf, MS } from '../model/time.ts';
import { COUNTER } from '../store/contributions.ts';
import { addExpression } from '../store/counters.ts';
import { batchGet, chunk, keyString, queryAll } from '../store/dynamo.ts';
import { factLogItem, factsOfItem } from '../store/fact-log.ts';
import { RAW, rawTombstone } from '../store/raw-events.ts';
import { readProjectSettings } from '../store/settings.ts';
import { cancellationReasons, MAX_TRANSACTION_ITEMS } from '../store/transactions.ts';
import type { RollupDeps } from './fold.ts';
import { rollupDay } from './rollup.ts';

export type DeletionStatus = 'scheduled' | 'deleting' | 'repairing' | 'done';

/** What an admin sees of a deletion: never the user id itself, only its hash. */
export interface DeletionRecord {
  id: string;
  projectId: string;
  /** SHA-256 of the user id (the actor: `userId`, or `anon:<anonymousId>`), hex. */
  userHash: string;
  requestedBy: string;
  requestedAt: string;
  /** Data stored before this storage bucket is deleted; what arrives later is counted anew. */
  cutoff: string;
  status: DeletionStatus;
  /** When the next phase may run (epoch ms). */
  dueAt: number;
  finishedAt?: string;
  /** Items deleted, by kind. */
  deleted: { rawEvents: number; facts: number; markers: number; profiles: number };
  /** Markers and profiles re-created for events the user sent after the cutoff. */
  recreated: number;
  /** Days whose figures were rebuilt. */
  days: string[];
}

const COUNT = {
  rawEvents: 'nRaw',
  facts: 'nFacts',
  markers: 'nMarkers',
  profiles: 'nProfiles',
  recreated: 'nRecreated',
} as const;

const ATTEMPTS = 8;

export const userHashOf = (actor: string) => createHash('sha256').update(actor).digest('hex');

function recordOf(item: Record<string, unknown>): DeletionRecord {
  const n = (k: string) => Number(item[k] ?? 0);
  const days = item.days instanceof Set ? [...(item.days as Set<string>)].sort() : [];
  return {
    id: String(item.id),
    projectId: String(item.projectId),
    userHash: String(item.userHash),
    requestedBy: String(item.requestedBy),
    requestedAt: String(item.requestedAt),
    cutoff: String(item.cutoff),
    status: item.status as DeletionStatus,
    dueAt: Number(item.dueAt),
    ...(item.finishedAt ? { finishedAt: String(item.finishedAt) } : {}),
    deleted: {
      rawEvents: n(COUNT.rawEvents),
      facts: n(COUNT.facts),
      markers: n(COUNT.markers),
      profiles: n(COUNT.profiles),
    },
    recreated: n(COUNT.recreated),
    days,
  };
}

/** Records a request to delete `actor`'s data; it runs when due (see the module comment). */
export async function requestDeletion(
  deps: RollupDeps,
  projectId: string,
  actor: string,
  requestedBy: string,
): Promise<DeletionRecord> {
  const now = deps.now();
  const bucketMs = deps.storage.bucketSeconds * 1000;
  const cutoffMs = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  const requestedAt = new Date(now).toISOString();
  const id = randomUUID();
  const item = {
    ...keys.userDeletion(projectId, requestedAt, id),
    id,
    projectId,
    userHash: userHashOf(actor),
    // Needed to find the data; removed when the deletion is done.
    actor,
    requestedBy,
    requestedAt,
    cutoff: bucketOf(cutoffMs, deps.storage.bucketSeconds),
    status: 'scheduled',
    dueAt: cutoffMs + deps.settleMs,
  };
  await deps.ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: deps.storage.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    }),
  );
  deps.log.info('user deletion requested', { projectId, id, dueAt: item.dueAt });
  return recordOf(item);
}

/** A project's deletions, newest first (the audit log). */
export async function listDeletions(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
): Promise<DeletionRecord[]> {
  const items = await queryAll(ddb, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.userDeletion(projectId, '', '').pk },
    ScanIndexForward: false,
  });
  return items.map(recordOf);
}

/** Runs every due phase of the project's unfinished deletions; returns those it advanced. */
export async function runDeletions(deps: RollupDeps, projectId: string): Promise<DeletionRecord[]> {
  const res = await deps.ddb.send(
    new QueryCommand({
      TableName: deps.storage.tableName,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#s <> :done',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: {
        ':pk': keys.userDeletion(projectId, '', '').pk,
        ':done': 'done',
      },
      ConsistentRead: true,
    }),
  );
  const out: DeletionRecord[] = [];
  for (const item of res.Items ?? []) {
    let current = item;
    let advanced = false;
    for (;;) {
      const status = current.status as DeletionStatus;
      if (status === 'done' || deps.now() < Number(current.dueAt)) break;
      current = status === 'repairing' ? await repair(deps, current) : await erase(deps, current);
      advanced = true;
    }
    if (advanced) out.push(recordOf(current));
  }
  return out;
}

interface Job {
  deps: RollupDeps;
  projectId: string;
  actor: string;
  cutoff: string;
  audit: Key;
}

function jobOf(deps: RollupDeps, item: Record<string, unknown>): Job {
  return {
    deps,
    projectId: String(item.projectId),
    actor: String(item.actor),
    cutoff: String(item.cutoff),
    audit: { pk: String(item.pk), sk: String(item.sk) },
  };
}

async function setFields(job: Job, fields: Record<string, unknown>, remove: string[] = []) {
  const names = Object.keys(fields);
  const res = await job.deps.ddb.send(
    new UpdateCommand({
      TableName: job.deps.storage.tableName,
      Key: job.audit,
      UpdateExpression: [
        `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
        remove.length ? `REMOVE ${remove.map((_, i) => `#r${i}`).join(', ')}` : '',
      ].join(' '),
      ExpressionAttributeNames: {
        ...Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
        ...Object.fromEntries(remove.map((n, i) => [`#r${i}`, n])),
      },
      ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:f${i}`, fields[n]])),
      ReturnValues: 'ALL_NEW',
    }),
  );
  return res.Attributes as Record<string, unknown>;
}

/** The days a marker of the user may exist on: from its first day (or as far as data is kept). */
async function candidateDays(job: Job, firstDay: string | undefined): Promise<string[]> {
  const { deps } = job;
  const settings = await readProjectSettings(deps.ddb, deps.storage.tableName, job.projectId);
  const kept = Math.max(settings.retentionDays ?? 0, deps.storage.retentionDays);
  const today = dayOf(deps.now());
  let from = addDays(today, -kept - 1);
  if (firstDay && firstDay < from) from = firstDay;
  const days: string[] = [];
  // Clock skew lets an event be up to a day ahead.
  for (let d = from; d <= addDays(today, 1); d = addDays(d, 1)) days.push(d);
  return days;
}

async function markersOf(job: Job, days: string[]) {
  const { deps } = job;
  const keyOf = (day: string) =>
    keys.userDay(job.projectId, day, job.actor, deps.storage.userShards);
  const found = await batchGet(deps.ddb, deps.storage.tableName, days.map(keyOf), {
    consistent: true,
    projection: ['createdBucket', 'first'],
  });
  return days.flatMap((day) => {
    const item = found.get(keyString(keyOf(day)));
    if (!item) return [];
    const first = Date.parse(String(item.first));
    return [{ day, key: keyOf(day), createdBucket: String(item.createdBucket), first }];
  });
}

async function profileOf(job: Job) {
  const { deps } = job;
  const key = keys.user(job.projectId, job.actor, deps.storage.userShards);
  const { Item } = await deps.ddb.send(
    new GetCommand({ TableName: deps.storage.tableName, Key: key, ConsistentRead: true }),
  );
  return { key, item: Item };
}

/** One item's conditional write, and how much it adds to the audit record's count. */
interface CountedWrite {
  op: Record<string, unknown>;
  weight: number;
}

/**
 * Writes `writes` in transactions with the audit record's count of `counter`, so a count is
 * exact across crashes and concurrent runs. A write whose condition fails is dropped (done
 * already, or no longer the user's) and the rest retried.
 */
async function writeCounted(job: Job, counter: string, writes: CountedWrite[]): Promise<void> {
  for (const group of chunk(writes, MAX_TRANSACTION_ITEMS - 1)) {
    let pending = group;
    for (let attempt = 1; pending.length; attempt++) {
      try {
        const weight = pending.reduce((n, w) => n + w.weight, 0);
        await job.deps.ddb.send(
          new TransactWriteCommand({
            TransactItems: [
              ...pending.map((w) => w.op),
              {
                Update: {
                  TableName: job.deps.storage.tableName,
                  Key: job.audit,
                  ...addExpression([[counter, weight]]),
                },
              },
            ],
          }),
        );
        break;
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons || attempt >= ATTEMPTS) throw error;
        const failed = new Set(
          reasons.flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : [])),
        );
        // Without failed conditions it was a conflict with another transaction: try it again.
        if (!failed.size) await sleep(10 * 2 ** attempt * Math.random());
        pending = pending.filter((_, i) => !failed.has(i));
      }
    }
  }
}

/** Phase 1: deletes the user's raw events, facts, markers and profile stored before the cutoff. */
async function erase(
  deps: RollupDeps,
  item: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const job = jobOf(deps, item);
  const TableName = deps.storage.tableName;
  await setFields(job, { status: 'deleting' });
  const profile = await profileOf(job);
  const markers = await markersOf(
    job,
    await candidateDays(job, profile.item?.firstDay as string | undefined),
  );
  // Remember the days before deleting what shows them: a re-run after a crash still knows them.
  const found = markers.map((m) => m.day);
  if (profile.item?.firstDay) found.push(String(profile.item.firstDay));
  if (found.length) {
    await deps.ddb.send(
      new UpdateCommand({
        TableName,
        Key: job.audit,
        UpdateExpression: 'ADD #d :d',
        ExpressionAttributeNames: { '#d': 'days' },
        ExpressionAttributeValues: { ':d': new Set(found) },
      }),
    );
  }
  const stored = (
    await deps.ddb.send(new GetCommand({ TableName, Key: job.audit, ConsistentRead: true }))
  ).Item as Record<string, unknown>;
  const days = stored.days instanceof Set ? [...(stored.days as Set<string>)].sort() : [];

  for (const day of days) await eraseFacts(job, day);

  const before = { ':c': job.cutoff };
  await writeCounted(
    job,
    COUNT.markers,
    markers
      .filter((m) => m.createdBucket < job.cutoff)
      .map((m) => ({
        op: {
          Delete: {
            TableName,
            Key: m.key,
            ConditionExpression: 'createdBucket < :c',
            ExpressionAttributeValues: before,
          },
        },
        weight: 1,
      })),
  );
  if (profile.item) {
    await writeCounted(job, COUNT.profiles, [
      {
        op: {
          Delete: {
            TableName,
            Key: profile.key,
            ConditionExpression: 'createdBucket < :c',
            ExpressionAttributeValues: before,
          },
        },
        weight: 1,
      },
    ]);
  }
  deps.log.info('user deletion: data before the cutoff deleted', {
    projectId: job.projectId,
    id: item.id,
    days: days.length,
  });
  return setFields(job, { status: 'repairing', dueAt: deps.now() + deps.settleMs });
}

/**
 * Deletes the user's facts of one day stored before the cutoff, and the raw events they count:
 * first the raw events (each only while it still names this fact-log item), then the item
 * rewritten without the user's facts (only while it is as read). A raw event is replaced by a
 * tombstone, its key alone, kept as long as the event would have been: ingest takes a resend of
 * it for a duplicate, so a client's retry cannot bring the deleted event back.
 */
async function eraseFacts(job: Job, day: string): Promise<void> {
  const { deps } = job;
  const TableName = deps.storage.tableName;
  const items = await queryAll(deps.ddb, {
    TableName,
    KeyConditionExpression: 'pk = :pk AND sk < :cutoff',
    ExpressionAttributeValues: {
      ':pk': factLogPartition(job.projectId, day),
      ':cutoff': `${BUCKET_PREFIX}${job.cutoff}`,
    },
    ConsistentRead: true,
  });
  for (const item of items) {
    const facts = factsOfItem(item);
    const theirs = facts.filter((f) => f.actor === job.actor);
    if (!theirs.length) continue;
    await writeCounted(
      job,
      COUNT.rawEvents,
      theirs.map((f) => ({
        op: {
          Put: {
            TableName,
            Item: rawTombstone(
              keys.rawEvent(job.projectId, f.id, deps.storage.eventShards),
              Number(item.ttl),
            ),
            ConditionExpression: '#fl = :fl',
            ExpressionAttributeNames: { '#fl': RAW.factItem },
            ExpressionAttributeValues: { ':fl': item.sk },
          },
        },
        weight: 1,
      })),
    );
    const kept = facts.filter((f) => f.actor !== job.actor);
    const key = { pk: String(item.pk), sk: String(item.sk) };
    await writeCounted(job, COUNT.facts, [
      {
        op: {
          Put: {
            TableName,
            Item: factLogItem(key, kept, Number(item.ttl)),
            ConditionExpression: 'n = :n',
            ExpressionAttributeValues: { ':n': facts.length },
          },
        },
        weight: theirs.length,
      },
    ]);
  }
}

/**
 * Phase 2: the user's events stored since the cutoff keep their figures. A writer that saw the
 * marker or profile phase 1 deleted did not create one; those are re-created here, counted in the
 * live bucket as ingest counts them. Then every touched day is rebuilt from its fact log.
 */
async function repair(
  deps: RollupDeps,
  item: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const job = jobOf(deps, item);
  const TableName = deps.storage.tableName;
  const days = item.days instanceof Set ? [...(item.days as Set<string>)].sort() : [];
  const now = deps.now();
  const bucket = bucketOf(now, deps.storage.bucketSeconds);
  const markers = await markersOf(job, await candidateDays(job, undefined));
  const marked = new Set(markers.map((m) => m.day));
  const recreate: { day: string; first: number }[] = [];
  for (const day of days) {
    if (marked.has(day)) continue;
    const since = await queryAll(deps.ddb, {
      TableName,
      KeyConditionExpression: 'pk = :pk AND sk >= :cutoff',
      ExpressionAttributeValues: {
        ':pk': factLogPartition(job.projectId, day),
        ':cutoff': `${BUCKET_PREFIX}${job.cutoff}`,
      },
      ConsistentRead: true,
    });
    const times = since
      .flatMap(factsOfItem)
      .flatMap((f) => (f.actor === job.actor ? [f.time] : []));
    if (times.length) recreate.push({ day, first: Math.min(...times) });
  }
  let created = 0;
  // One at a time: each transaction also counts on the audit record.
  for (const { day, first } of recreate) {
    const marker = {
      ...keys.userDay(job.projectId, day, job.actor, deps.storage.userShards),
      first: new Date(first).toISOString(),
      createdBucket: bucket,
    };
    const counter = keys.counterBucket(job.projectId, period.day(day), bucket);
    if (await createCounted(job, marker, [[counter, COUNTER.activeUsers]])) created++;
  }
  const activeDays = [...new Set([...marked, ...recreate.map((r) => r.day)])].sort();
  const profile = await profileOf(job);
  let profiles = 0;
  const firstDay = activeDays[0];
  if (!profile.item && firstDay) {
    // From the marker of that day, whoever made it (this run, the one that crashed before it, or
    // ingest since the cutoff).
    const firstSeen =
      recreate.find((r) => r.day === firstDay)?.first ??
      markers.find((m) => m.day === firstDay)?.first;
    const identity = identityOf(job.actor);
    const created = await createCounted(
      job,
      {
        ...profile.key,
        actor: job.actor,
        ...(identity.userId ? { userId: identity.userId } : {}),
        ...(identity.anonymousId ? { anonymousId: identity.anonymousId } : {}),
        firstSeen: new Date(firstSeen ?? dayStartOf(firstDay)).toISOString(),
        firstDay,
        createdBucket: bucket,
      },
      [
        [keys.counterBucket(job.projectId, period.day(firstDay), bucket), COUNTER.newUsers],
        [keys.totals(job.projectId), COUNTER.newUsers],
      ],
    );
    profiles = created ? 1 : 0;
  }
  for (const day of days) await rollupDay(deps, job.projectId, day);
  deps.log.info('user deletion done', {
    projectId: job.projectId,
    id: item.id,
    days: days.length,
    recreated: created + profiles,
  });
  return setFields(job, { status: 'done', finishedAt: new Date(deps.now()).toISOString() }, [
    'actor',
  ]);
}

const dayStartOf = (day: string) => Date.parse(`${day}T00:00:00.000Z`);

/**
 * Creates `item` unless it exists, with +1 on each (counter item, counter) and on the audit
 * record's count of re-created items, in one transaction; false when it existed.
 */
async function createCounted(
  job: Job,
  item: Record<string, unknown>,
  increments: [Key, string][],
): Promise<boolean> {
  const TableName = job.deps.storage.tableName;
  try {
    await job.deps.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
          ...increments.map(([Key, counter]) => ({
            Update: { TableName, Key, ...addExpression([[counter, 1]]) },
          })),
          { Update: { TableName, Key: job.audit, ...addExpression([[COUNT.recreated, 1]]) } },
        ],
      }),
    );
    return true;
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (reasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
    throw error;
  }
}

/** How long a deletion takes at most after its request: the cutoff, then two settle times. */
export const deletionDelayMs = (deps: Pick<RollupDeps, 'settleMs' | 'storage'>) =>
  deps.storage.bucketSeconds * 1000 + 2 * deps.settleMs + MS.second;
