/**
 * Every key format of the table, in one place. docs/data-model.md lists the access pattern,
 * key condition and cost of each. Nothing else builds a `pk` or `sk` string.
 */

export interface Key {
  pk: string;
  sk: string;
}

/** Sort key of the item that holds the rollup's rebuilt figures in a counter partition. */
export const ROLLUP_SK = 'R';
/** Prefix of live counter items, one per storage bucket, in a counter partition. */
export const BUCKET_PREFIX = 'B#';

/** Sort-key prefix of what a project declares for its product reports (features…). */
export const DEFINITION_PREFIX = 'DEF#';

export const keys = {
  /** Project metadata. */
  project: (projectId: string): Key => ({ pk: `P#${projectId}`, sk: 'META' }),

  /** A project's entry in the list of all projects (one partition: projects are few). */
  projectIndex: (projectId: string): Key => ({ pk: 'PROJECTS', sk: projectId }),

  /** A write key, found by the SHA-256 of its secret. */
  writeKeyByHash: (hash: string): Key => ({ pk: `WK#${hash}`, sk: 'WK' }),

  /** A project's listing entry for one write key (no secret, no hash). */
  projectWriteKey: (projectId: string, keyId: string): Key => ({
    pk: `P#${projectId}`,
    sk: `WK#${keyId}`,
  }),

  /**
   * A raw event: partitioned by project and a write shard derived from the id, sorted by
   * messageId. The key depends only on (project, messageId) — not on the event's day, which a
   * resend with other timestamps may change — so a resend finds the stored copy whatever its
   * timestamps, for as long as raw events are kept.
   */
  rawEvent: (projectId: string, messageId: string, shards: number): Key => ({
    pk: rawEventPartition(projectId, shardOf(messageId, shards)),
    sk: messageId,
  }),

  /**
   * One entry of a project's commit log: the ids a commit counted, numbered 1, 2, 3… The number
   * is the sort key, zero-padded so the log sorts in commit order (docs/data-model.md
   * "Exactly once").
   */
  commit: (projectId: string, version: number): Key => ({
    pk: commitLogPartition(projectId),
    sk: commitSortKey(version),
  }),

  /** The random salt of one UTC day's visitor ids (store/visitor-salts.ts); deleted after it. */
  visitorSalt: (day: string): Key => ({ pk: 'VSALT', sk: day }),

  /**
   * One fixed window of a write key's traffic: the requests and events its containers accepted,
   * summed in DynamoDB (lambdas/track/rate-limit.ts). One partition per key: no item is shared
   * across keys or projects.
   */
  rateWindow: (projectId: string, keyId: string, windowStart: number): Key => ({
    pk: `RL#${projectId}#${keyId}`,
    sk: String(windowStart),
  }),

  /**
   * A request to delete one user's data, and afterwards its audit record (who, when, how many
   * items; the user only as a hash). Sorted by request time.
   */
  userDeletion: (projectId: string, requestedAt: string, id: string): Key => ({
    pk: userDeletionPartition(projectId),
    sk: `${requestedAt}#${id}`,
  }),

  /** A user's profile (first seen, traits). Sharded so one project's reads spread out. */
  user: (projectId: string, actor: string, shards: number): Key => ({
    pk: userPartition(projectId, shardOf(actor, shards)),
    sk: actor,
  }),

  /** Marker: `actor` was active on `day`. Exists at most once, so distinct counts are exact. */
  userDay: (projectId: string, day: string, actor: string, shards: number): Key => ({
    pk: userDayPartition(projectId, day, shardOf(actor, shards)),
    sk: actor,
  }),

  /** A live counter bucket of a period (`D#2026-11-22`, `H#2026-11-22T13`). */
  counterBucket: (projectId: string, period: string, bucket: string): Key => ({
    pk: counterPartition(projectId, period),
    sk: `${BUCKET_PREFIX}${bucket}`,
  }),

  /** The rollup's rebuilt figures of a period. */
  counterRollup: (projectId: string, period: string): Key => ({
    pk: counterPartition(projectId, period),
    sk: ROLLUP_SK,
  }),

  /** All-time totals of a project: one item, kept exact by the rollup's corrections. */
  totals: (projectId: string): Key => ({ pk: `C#${projectId}#ALL`, sk: 'T' }),

  /** A project's ingestion-lag histogram of one UTC day (store/ingest-lag.ts). */
  ingestLag: (projectId: string, day: string): Key => ({ pk: `LAG#${projectId}`, sk: day }),

  /**
   * One ingest invocation's facts for one project and event day: the live layer of every report,
   * and the time-ordered activity feed. Sorted by storage bucket.
   */
  factLog: (projectId: string, day: string, bucket: string, id: string): Key => ({
    pk: factLogPartition(projectId, day),
    sk: `${BUCKET_PREFIX}${bucket}#${id}`,
  }),

  /** A feature (or other definition of `kind`) a project declared for its product reports. */
  definition: (projectId: string, kind: string, name: string): Key => ({
    pk: `P#${projectId}`,
    sk: `${DEFINITION_PREFIX}${kind}#${name}`,
  }),

  /** The product figures /metrics shows of a project, as the last rollup left them. */
  productSnapshot: (projectId: string): Key => ({ pk: `P#${projectId}`, sk: 'SNAPSHOT#product' }),

  /**
   * The labels of one kind (models, event names…) a project keeps for a day, or for all time
   * (`scope` `ALL`): the registry of store/labels.ts.
   */
  labelRegistry: (projectId: string, scope: string, kind: string): Key => ({
    pk: `LB#${projectId}`,
    sk: `${scope}#${kind}`,
  }),

  /**
   * That a rejected item (by its id: write key and content) was counted: the dedupe record of the
   * rejections report, sharded like raw events.
   */
  rejection: (projectId: string, id: string, shards: number): Key => ({
    pk: `RJ#${projectId}#${shardOf(id, shards)}`,
    sk: id,
  }),

  /** A rejected item's sample, newest last within its day (by receipt time, then id). */
  rejectionSample: (projectId: string, day: string, receivedAt: number, id: string): Key => ({
    pk: rejectionSamplePartition(projectId, day),
    sk: `${String(receivedAt).padStart(13, '0')}#${id}`,
  }),

  /** A project's rejection counts of a day (`YYYY-MM-DD`) or of all time (`ALL`). */
  rejectionCounts: (projectId: string, scope: string): Key => ({
    pk: rejectionCountsPartition(projectId),
    sk: scope,
  }),

  /**
   * One chunk of a rollup side map (`kind`: users, conversations, …) of a day, in the generation
   * named by the rollup's watermark.
   */
  sideChunk: (projectId: string, day: string, generation: string, kind: string, chunk: number) => ({
    pk: sidePartition(projectId, day),
    sk: `${sideGeneration(generation, kind)}${String(chunk).padStart(4, '0')}`,
  }),
} as const;

export function rejectionSamplePartition(projectId: string, day: string): string {
  return `RJS#${projectId}#${day}`;
}

export function rejectionCountsPartition(projectId: string): string {
  return `RJC#${projectId}`;
}

export function rawEventPartition(projectId: string, shard: number): string {
  return `E#${projectId}#${shard}`;
}

export function userDeletionPartition(projectId: string): string {
  return `DEL#${projectId}`;
}

export function commitLogPartition(projectId: string): string {
  return `CL#${projectId}`;
}

/** Commit numbers as sort keys: 12 digits, so they sort as numbers. */
export function commitSortKey(version: number): string {
  return String(version).padStart(12, '0');
}

export function userPartition(projectId: string, shard: number): string {
  return `U#${projectId}#${shard}`;
}

export function userDayPartition(projectId: string, day: string, shard: number): string {
  return `UD#${projectId}#${day}#${shard}`;
}

export function factLogPartition(projectId: string, day: string): string {
  return `FL#${projectId}#${day}`;
}

/** The partition of a day's rollup side chunks. */
export function sidePartition(projectId: string, day: string): string {
  return `SX#${projectId}#${day}`;
}

/** The sort-key prefix of one side map's chunks in one generation. */
export function sideGeneration(generation: string, kind: string): string {
  return `${generation}#${kind}#`;
}

export function counterPartition(projectId: string, period: string): string {
  return `C#${projectId}#${period}`;
}

/** Period names used in counter partitions. */
export const period = {
  day: (day: string) => `D#${day}`,
  hour: (hour: string) => `H#${hour}`,
} as const;

// ---- shards ----

/**
 * FNV-1a, 32 bit. Written by hand because it is six lines and only picks a shard: it must be
 * fast and stable forever, not cryptographic.
 */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The shard, in `[0, shards)`, that `id` always lands in. */
export function shardOf(id: string, shards: number): number {
  return fnv1a(id) % shards;
}
