/**
 * Ingest: stores each raw event once and counts it once — live, within the invocation that stores
 * it — under concurrent copies, redelivery and a crash at any point (docs/data-model.md
 * "Exactly once").
 *
 * Per project, in groups of whole records of about GROUP_EVENTS events, an invocation (a *writer*):
 *  1. reads the number of the project's last commit (`seen`), then checks, with consistent reads,
 *     which of its events are stored already and whether their writer committed them;
 *  2. stores the new ones (and re-claims those whose writer never committed), each naming the
 *     fact-log item that will count it;
 *  3. creates the distinct-user markers they imply (exactly once by their own conditions);
 *  4. commits: it reads the commits other writers claimed since `seen` and leaves out the ids they
 *     counted; then one transaction claims the next commit number and writes the fact-log items
 *     and the counter increments. If another writer claimed that number meanwhile, the same again
 *     at the next number.
 * A failure anywhere fails the records: SQS redelivers them and step 1 finds what was done.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { EventsDetail } from '../contract/bus.ts';
import type { StorageConfig } from '../contract/config/storage.ts';
import { factLogPartition, type Key, keys, period } from '../contract/keys.ts';
import type { TallyEvent } from '../model/events.ts';
import { bucketOf, dayOf } from '../model/time.ts';
import { readCapture } from '../store/captures.ts';
import {
  type CommitEntry,
  commitEntryItem,
  commitsAfter,
  idHash,
  latestCommit,
} from '../store/commit-log.ts';
import { contributions } from '../store/contributions.ts';
import { addExpression, IncrementSet } from '../store/counters.ts';
import { batchGet, batchPut, type Item, keyString } from '../store/dynamo.ts';
import { FACTS_PER_ITEM, factItemKey, factLogItem, writerStartOf } from '../store/fact-log.ts';
import { type Fact, factOf } from '../store/facts.ts';
import { lagCounters } from '../store/ingest-lag.ts';
import { type CapDecision, capLabels } from '../store/labels.ts';
import type { Capture } from '../store/properties.ts';
import { claimOf, eventDay, RAW, rawTtl, toRawItem } from '../store/raw-events.ts';
import type { RejectionRecord } from '../store/rejections.ts';
import {
  cancellationReasons,
  MAX_TRANSACTION_ITEMS,
  onlyConflicts,
} from '../store/transactions.ts';
import { markActiveUsers } from './active-users.ts';
import type { IngestDeps } from './deps.ts';
import { ingestRejections, parseRejections, recordsOf } from './rejections.ts';
import { saveTraits } from './traits.ts';

export interface IngestStats {
  received: number;
  stored: number;
  duplicates: number;
  failedRecords: number;
  deadLettered: number;
  /** Records not attempted for want of time, sent back to the queue as new messages. */
  requeued: number;
  /** Rejected items (of `tally.rejections` records) counted for the first time. */
  rejectionsCounted: number;
}

/** Time kept free before the end of an invocation's lifetime: a write sent then lands in time. */
const WRITE_GUARD_MS = 5_000;
/** How far two writers' clocks may disagree. */
const CLOCK_SKEW_MS = 5_000;
const COMMIT_ATTEMPTS = 25;
/**
 * Events stored and committed together on a record's first delivery; a group ends at a record's
 * end. Each further delivery divides it by GROUP_SHRINK: a group too large to finish in one
 * lifetime (a slow or loaded table) becomes one that does, down to a single record.
 */
export const GROUP_EVENTS = 1000;
const GROUP_SHRINK = 4;

/** The events per group for records delivered `receives` times. */
export const groupEventsFor = (receives: number) =>
  Math.max(1, Math.floor(GROUP_EVENTS / GROUP_SHRINK ** (Math.max(1, receives) - 1)));

/** An invocation past its write deadline: its records are retried by a later one. */
class WriteDeadlineExceeded extends Error {
  override name = 'WriteDeadlineExceeded';
}

interface Candidate {
  recordId: string;
  /** How many times SQS delivered the candidate's record. */
  receives: number;
  event: TallyEvent;
  key: Key;
  hash: string;
}

/** A new event of this writer, with the fact-log item that will count it. */
interface Fresh extends Candidate {
  day: string;
  item: Key;
  fact: Fact;
}

/** What one writer does with one group of one project's events. */
interface Writer {
  deps: IngestDeps;
  projectId: string;
  /** Unique per invocation: it names the writer's fact-log items and commits. */
  token: string;
  /** When this group started: its storage bucket, and the start of its writer's lifetime window. */
  storedAt: number;
  bucket: string;
  /** The last commit number read before checking. */
  seen: number;
  /** Days this project's new raw events and facts are kept. */
  retentionDays: number;
  /** The event properties the project's declarations name: its facts keep them. */
  capture: Capture;
  /** Throws once this invocation may no longer write. */
  guard: () => void;
}

interface GroupOutcome {
  stored: number;
  duplicates: number;
  /** Each counted event's ingestion lag, ms: from its receivedAt to the commit that counted it. */
  lagsMs: number[];
  /** Records whose events were not all stored and counted, with the reason. */
  failed: Map<string, string>;
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
): Promise<SQSBatchResponse & { stats: IngestStats; lagsMs: number[] }> {
  const startedAt = deps.now();
  const deadline = startedAt + deps.lifetimeMs - WRITE_GUARD_MS;
  const guard = () => {
    if (deps.now() > deadline) throw new WriteDeadlineExceeded('the invocation ran out of time');
  };
  /**
   * Why each failing record failed, by SQS messageId. `deferred`: not attempted, for want of
   * time — it is sent back as a new message, so waiting does not spend its receives.
   */
  const failures = new Map<string, { reason: string; permanent?: boolean; deferred?: boolean }>();
  const byProject = new Map<string, Candidate[]>();
  const seenIds = new Set<string>();
  let received = 0;
  let duplicates = 0;

  const rejectionRecords: { recordId: string; records: RejectionRecord[] }[] = [];
  for (const record of records) {
    const rejections = parseRejections(record);
    if (typeof rejections === 'string') {
      failures.set(record.messageId, {
        reason: `unreadable record: ${rejections}`,
        permanent: true,
      });
      continue;
    }
    if (rejections) {
      rejectionRecords.push({ recordId: record.messageId, records: recordsOf(rejections) });
      continue;
    }
    const detail = parseRecord(record);
    if (typeof detail === 'string') {
      failures.set(record.messageId, { reason: `unreadable record: ${detail}`, permanent: true });
      continue;
    }
    const receives = receivesOf(record);
    for (const event of detail.events) {
      received++;
      const id = `${event.projectId}\u0000${event.messageId}`;
      // Only the first copy within the batch is a candidate.
      if (seenIds.has(id)) {
        duplicates++;
        continue;
      }
      seenIds.add(id);
      const key = keys.rawEvent(event.projectId, event.messageId, deps.storage.eventShards);
      const list = byProject.get(event.projectId) ?? [];
      list.push({
        recordId: record.messageId,
        receives,
        event,
        key,
        hash: idHash(event.messageId),
      });
      byProject.set(event.projectId, list);
    }
  }

  // Base64url: no `#`, which separates the parts of a fact-log item's sort key.
  const token = randomBytes(9).toString('base64url');
  let stored = 0;
  const lagsMs: number[] = [];
  /** Per record, the events of its groups that were stored and counted (a record split over groups). */
  const committed = new Map<string, Set<string>>();
  // A record split over groups can fail in one and be left in a later one: it is failed then
  // (its receives count), never merely deferred.
  const fail = (list: Candidate[], reason: string, deferred = false) => {
    for (const c of list) {
      const before = failures.get(c.recordId);
      if (deferred && before && !before.deferred) continue;
      failures.set(c.recordId, { reason, deferred });
    }
  };
  // Rejected items are counted beside the events, not after them; a batch without any costs
  // nothing here (no request).
  let rejectionsCounted = 0;
  const countingRejections = rejectionRecords.length
    ? ingestRejections(
        deps,
        rejectionRecords.flatMap((r) => r.records),
      ).then(
        (outcome) => {
          rejectionsCounted = outcome.counted;
        },
        (error: Error) => {
          for (const { recordId } of rejectionRecords) {
            failures.set(recordId, { reason: `counting rejections failed: ${error.message}` });
          }
        },
      )
    : undefined;
  await Promise.all(
    [...byProject].map(async ([projectId, candidates]) => {
      const groups = groupsOf(candidates);
      let retentionDays: number;
      let capture: Capture;
      try {
        retentionDays = (await deps.retentionOf?.(projectId)) ?? deps.storage.retentionDays;
      } catch (error) {
        fail(candidates, `reading the project's retention failed: ${(error as Error).message}`);
        return;
      }
      try {
        capture = await (deps.captureOf
          ? deps.captureOf(projectId)
          : readCapture(deps.ddb, deps.storage.tableName, projectId));
      } catch (error) {
        fail(candidates, `reading the project's declarations failed: ${(error as Error).message}`);
        return;
      }
      for (const [i, group] of groups.entries()) {
        // A group started late might not finish: leave it, and the rest, to a later invocation.
        if (deps.now() > startedAt + deps.lifetimeMs / 2) {
          fail(groups.slice(i).flat(), 'left for a later invocation: this one ran long', true);
          return;
        }
        try {
          const now = deps.now();
          const seen = await latestCommit(deps.ddb, deps.storage.tableName, projectId);
          const bucket = bucketOf(now, deps.storage.bucketSeconds);
          // Each group is a writer of its own: its fact-log items never share a key with
          // another group's, even when the clock has not moved between them.
          const writer = {
            deps,
            projectId,
            token: `${token}g${i}`,
            storedAt: now,
            bucket,
            seen,
            retentionDays,
            capture,
            guard,
          };
          const outcome = await ingestGroup(writer, group);
          for (const c of group) {
            if (outcome.failed.has(c.recordId)) continue;
            const set = committed.get(c.recordId) ?? new Set<string>();
            set.add(c.event.messageId);
            committed.set(c.recordId, set);
          }
          stored += outcome.stored;
          duplicates += outcome.duplicates;
          lagsMs.push(...outcome.lagsMs);
          for (const [recordId, reason] of outcome.failed) failures.set(recordId, { reason });
        } catch (error) {
          // Whatever was stored is found, and counted once, when the records come back. The
          // groups after this one were not attempted.
          fail(group, `storage failed: ${(error as Error).message}`);
          fail(
            groups.slice(i + 1).flat(),
            'left for a later invocation: an earlier group failed',
            true,
          );
          return;
        }
      }
    }),
  );
  await countingRejections;

  // The failing records' sends (requeue, dead letter) go out together, not one after another.
  const outcomes = await Promise.all(
    records.map(async (record) => {
      const failure = failures.get(record.messageId);
      if (!failure) return 'done' as const;
      const { messageId } = record;
      const receives = receivesOf(record);
      const said = { messageId, receives, reason: failure.reason };
      const { requeue, deadLetter } = deps;
      // Sent back before this delivery is acknowledged: a crash in between leaves two copies,
      // and the second finds the first's events stored and counted.
      if (failure.deferred && requeue) {
        try {
          await requeue(remainderOf(record, committed.get(messageId)));
          deps.log.info('record requeued', said);
          return 'requeued' as const;
        } catch (error) {
          deps.log.warn('requeueing failed; leaving the record to SQS', { messageId, error });
        }
      }
      if ((failure.permanent || receives >= deps.maxReceiveCount) && deadLetter) {
        try {
          await deadLetter(record, failure.reason);
          deps.log.error('record dead-lettered', said);
          return 'deadLettered' as const;
        } catch (error) {
          deps.log.error('dead-lettering failed; leaving the record to SQS', { messageId, error });
        }
      }
      deps.log.warn('record failed; SQS will retry it', said);
      return 'retry' as const;
    }),
  );
  const retry = records.filter((_, i) => outcomes[i] === 'retry').map((r) => r.messageId);
  const deadLettered = outcomes.filter((o) => o === 'deadLettered').length;
  const requeued = outcomes.filter((o) => o === 'requeued').length;

  const stats: IngestStats = {
    received,
    stored,
    duplicates,
    failedRecords: retry.length,
    deadLettered,
    requeued,
    rejectionsCounted,
  };
  deps.log.info('ingested', { ...stats });
  return {
    batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })),
    stats,
    lagsMs,
  };
}

/**
 * What a deferred record still holds: without the events its earlier groups stored and counted,
 * so that a record too large for one lifetime is sent back smaller each time, not whole (the
 * next delivery would spend its time finding the first part counted again).
 */
function remainderOf(record: SQSRecord, done: Set<string> | undefined): SQSRecord {
  if (!done?.size) return record;
  const envelope = JSON.parse(record.body) as { detail: EventsDetail };
  const events = envelope.detail.events.filter((e) => !done.has(e.messageId));
  return {
    ...record,
    body: JSON.stringify({ ...envelope, detail: { ...envelope.detail, events } }),
  };
}

const receivesOf = (record: SQSRecord) =>
  Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1;

/**
 * A project's candidates in groups: a group is stored and committed before the next starts, so a
 * slow invocation still makes progress. Records delivered most often go first, in groups sized
 * for the most-delivered record (groupEventsFor). A record on its first delivery stays in one
 * group; a redelivered one is cut at the group size, so that one record too large to store in a
 * lifetime (a batch of 2,500 events) is stored and committed in parts rather than never: its
 * record is retried whole, and the parts already counted are duplicates then.
 */
export function groupsOf<C extends { recordId: string; receives: number }>(candidates: C[]): C[][] {
  const size = groupEventsFor(Math.max(...candidates.map((c) => c.receives)));
  // Stable: a record's candidates stay together and in order.
  const ordered = [...candidates].sort((a, b) => b.receives - a.receives);
  const groups: C[][] = [];
  let current: C[] = [];
  for (const [i, c] of ordered.entries()) {
    const recordEnds = ordered[i + 1]?.recordId !== c.recordId;
    current.push(c);
    if ((recordEnds || c.receives > 1) && current.length >= size) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length) groups.push(current);
  return groups;
}

async function ingestGroup(w: Writer, candidates: Candidate[]): Promise<GroupOutcome> {
  const { deps } = w;
  const { storage } = deps;
  const failed = new Map<string, string>();
  const { fresh, duplicates } = await newOrUncounted(w, candidates);
  if (!fresh.length) return { stored: 0, duplicates, failed, lagsMs: [] };

  const unprocessed = await storeRaw(w, fresh);
  const notStored = new Set(
    unprocessed.map((i) => keyString({ pk: String(i.pk), sk: String(i.sk) })),
  );
  const stored = fresh.filter((f) => !notStored.has(keyString(f.key)));
  for (const f of fresh) {
    if (notStored.has(keyString(f.key))) {
      failed.set(f.recordId, 'DynamoDB left events unprocessed after retries');
    }
  }

  const events = stored.map((f) => f.event);
  await markActiveUsers(deps, w.projectId, events, w.bucket, w.guard);
  w.guard();
  await saveTraits(deps, events);
  w.guard();
  // Which labels the facts keep is decided now, written into them, and committed with them.
  const caps = await capLabels(
    { ddb: deps.ddb, tableName: storage.tableName },
    w.projectId,
    fresh,
    Math.max(...fresh.map((f) => rawTtl(f.event, w))),
  );
  const { left, lagsMs } = await commit(
    w,
    fresh,
    new Set(stored.map((f) => f.hash)),
    caps,
    storage,
  );
  return {
    stored: stored.length - left,
    duplicates: duplicates + left,
    failed,
    lagsMs,
  };
}

/**
 * The candidates to store and count: those not stored yet, and those stored by a writer that
 * never committed and that no commit counted since that writer looked (it crashed in between).
 */
async function newOrUncounted(
  w: Writer,
  candidates: Candidate[],
): Promise<{ fresh: Fresh[]; duplicates: number }> {
  const { ddb, storage } = w.deps;
  const existing = await batchGet(
    ddb,
    storage.tableName,
    candidates.map((c) => c.key),
    { consistent: true, projection: [RAW.day, RAW.factItem, RAW.seenVersion] },
  );
  const suspects: { c: Candidate; item: Key; seenVersion: number; writerStart: number }[] = [];
  const toStore: Candidate[] = [];
  let duplicates = 0;
  for (const c of candidates) {
    const item = existing.get(keyString(c.key));
    if (!item) {
      toStore.push(c);
      continue;
    }
    const claim = claimOf(item);
    if (!claim) {
      duplicates++;
      continue;
    }
    suspects.push({
      c,
      item: { pk: factLogPartition(w.projectId, claim.day), sk: claim.factItem },
      seenVersion: claim.seenVersion,
      writerStart: writerStartOf(claim.factItem),
    });
  }
  if (suspects.length) {
    // A stored event whose writer's fact-log item exists is counted (by it, or by a commit it
    // gave way to).
    const committed = await batchGet(
      ddb,
      storage.tableName,
      suspects.map((s) => s.item),
      { consistent: true, projection: [] },
    );
    const uncommitted = suspects.filter((s) => !committed.has(keyString(s.item)));
    duplicates += suspects.length - uncommitted.length;
    if (uncommitted.length) {
      const counted = await countedAround(w, uncommitted);
      for (const s of uncommitted) {
        if (counted(s)) duplicates++;
        else toStore.push(s.c);
      }
    }
  }
  return { fresh: assignItems(w, toStore), duplicates };
}

/**
 * Whether another writer counted an event whose last writer never committed. Such a writer can
 * only have checked before that writer stored it, so it committed after the number that writer
 * saw and within two lifetimes of that writer's start (docs/data-model.md "Exactly once").
 */
async function countedAround(
  w: Writer,
  suspects: { c: Candidate; seenVersion: number; writerStart: number }[],
): Promise<(s: { c: Candidate; seenVersion: number; writerStart: number }) => boolean> {
  const span = 2 * w.deps.lifetimeMs + CLOCK_SKEW_MS;
  const after = Math.min(...suspects.map((s) => s.seenVersion));
  const until = Math.max(...suspects.map((s) => s.writerStart)) + span;
  const commits = await commitsAfter(
    w.deps.ddb,
    w.deps.storage.tableName,
    w.projectId,
    after,
    until,
  );
  return (s) =>
    commits.some(
      (e: CommitEntry) =>
        e.version > s.seenVersion &&
        e.at >= s.writerStart - CLOCK_SKEW_MS &&
        e.at <= s.writerStart + span &&
        e.hashes.has(s.c.hash),
    );
}

/** Gives each event to store its fact-log item: per day, FACTS_PER_ITEM events to an item. */
function assignItems(w: Writer, candidates: Candidate[]): Fresh[] {
  const byDay = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const day = eventDay(c.event);
    const list = byDay.get(day) ?? [];
    list.push(c);
    byDay.set(day, list);
  }
  const out: Fresh[] = [];
  let index = 0;
  for (const [day, list] of byDay) {
    for (let i = 0; i < list.length; i += FACTS_PER_ITEM) {
      const item = factItemKey(w.projectId, day, w.bucket, w.storedAt, index++, w.token);
      for (const c of list.slice(i, i + FACTS_PER_ITEM)) {
        out.push({ ...c, day, item, fact: factOf(c.event, w.capture) });
      }
    }
  }
  return out;
}

/** Stores the raw events; returns the items DynamoDB left unprocessed after every retry. */
async function storeRaw(w: Writer, fresh: Fresh[]): Promise<Item[]> {
  const { storage } = w.deps;
  const layout = { eventShards: storage.eventShards, retentionDays: w.retentionDays };
  const items = fresh.map((f) =>
    toRawItem(f.event, layout, { day: f.day, factItem: f.item.sk, seenVersion: w.seen }),
  );
  return batchPut(w.deps.ddb, storage.tableName, items, { beforeEach: w.guard });
}

/**
 * Commits the writer's events in as few transactions as fit: each claims the next commit number
 * and writes its fact-log items (every one the writer named, even if it ends up empty: a stored
 * event's item is the proof its writer committed) and the increments of the events it counts.
 * Returns how many stored events it left out because another commit counted them, and the
 * ingestion lag of each event it counted (its commit's time minus its receivedAt, ms).
 */
async function commit(
  w: Writer,
  fresh: Fresh[],
  storedHashes: Set<string>,
  caps: CapDecision,
  storage: StorageConfig,
): Promise<{ left: number; lagsMs: number[] }> {
  const items = new Map<string, { key: Key; day: string; events: Fresh[] }>();
  for (const f of fresh) {
    const id = keyString(f.item);
    const entry = items.get(id) ?? { key: f.item, day: f.day, events: [] };
    entry.events.push(f);
    items.set(id, entry);
  }
  // A transaction holds the commit entry, the totals, the day's lag histogram, and per fact item
  // at most itself and its day's counter item.
  const perLink = Math.floor((MAX_TRANSACTION_ITEMS - 3) / 2);
  const links = [];
  const all = [...items.values()];
  for (let i = 0; i < all.length; i += perLink) links.push(all.slice(i, i + perLink));

  const excluded = new Set<string>();
  let resolved = w.seen;
  let left = 0;
  const lagsMs: number[] = [];
  /** Reads the commits since `resolved`: what they counted is not ours to count. */
  const catchUp = async () => {
    const newer = await commitsAfter(w.deps.ddb, storage.tableName, w.projectId, resolved);
    for (const e of newer) {
      if (e.writer === w.token) continue;
      for (const h of e.hashes)
        if (storedHashes.has(h) && !excluded.has(h)) {
          excluded.add(h);
          left++;
        }
    }
    resolved = Math.max(resolved, ...newer.map((e) => e.version));
  };
  for (const link of links) {
    // Concurrent writers commit while this one stores: catching up just before the transaction,
    // rather than after it failed, spares DynamoDB a cancelled transaction of up to 100 items.
    await catchUp();
    for (let attempt = 1; ; attempt++) {
      const version = resolved + 1;
      const counted = (f: Fresh) => storedHashes.has(f.hash) && !excluded.has(f.hash);
      const set = new IncrementSet();
      const hashes: string[] = [];
      const counting: Fresh[] = [];
      const TableName = storage.tableName;
      const puts: Record<string, unknown>[] = [];
      for (const { key, day, events } of link) {
        const facts = events.filter(counted).map((f) => f.fact);
        for (const f of events.filter(counted)) {
          hashes.push(f.hash);
          counting.push(f);
          const c = contributions(f.fact);
          set.add(keys.counterBucket(w.projectId, period.day(day), w.bucket), c);
          set.add(keys.totals(w.projectId), caps.totals(c));
        }
        puts.push(factLogItem(key, facts, rawTtl(events[0]?.event as TallyEvent, w)));
      }
      const at = w.deps.now();
      // Never negative: the track function's clock and this one may disagree a little.
      const lags = counting.map((f) => Math.max(0, at - Date.parse(f.event.receivedAt)));
      // The lags go into the day's histogram in this transaction: each counted event once.
      if (lags.length) set.add(keys.ingestLag(w.projectId, dayOf(at)), lagCounters(lags));
      const entry = commitEntryItem(w.projectId, { version, writer: w.token, at, hashes });
      w.guard();
      try {
        await w.deps.ddb.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName, Item: entry, ConditionExpression: 'attribute_not_exists(pk)' } },
              ...puts.map((Item) => ({ Put: { TableName, Item } })),
              ...set.list().map(({ key, counters }) => ({
                Update: { TableName, Key: key, ...addExpression(Object.entries(counters)) },
              })),
            ],
          }),
        );
        resolved = version;
        lagsMs.push(...lags);
        break;
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons || attempt >= COMMIT_ATTEMPTS) throw error;
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          // Others committed between the catch-up and the transaction.
          await catchUp();
        } else if (onlyConflicts(reasons)) {
          await sleep(10 * 2 ** Math.min(attempt, 6) * Math.random());
        } else {
          throw error;
        }
      }
    }
  }
  return { left, lagsMs };
}
