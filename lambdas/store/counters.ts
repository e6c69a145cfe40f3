/**
 * Live counters and how figures are served from them.
 *
 * Ingest adds each batch's increments to one item per (period, storage bucket). The rollup later
 * rebuilds a period from raw events stored before a watermark and writes the result to the
 * period's `R` item with that watermark. A period's figure is therefore always
 *
 *     served = R.c + Σ buckets at or after R.watermark      (Σ all buckets when there is no R)
 *
 * which reads one partition, whose size depends on time since the last rollup, never on the
 * number of events.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BUCKET_PREFIX, counterPartition, type Key, keys, ROLLUP_SK } from '../contract/keys.ts';
import { addCounters, type Counters } from './contributions.ts';
import { keyString, mapLimit, queryAll } from './dynamo.ts';

/** Increments to apply to one counter item. */
export interface Increment {
  key: Key;
  counters: Counters;
}

/**
 * DynamoDB bounds an update expression (4 KB); an item with more counters than this (many models,
 * say) takes several ADDs.
 */
const COUNTERS_PER_UPDATE = 50;

/** Applies increments: one UpdateItem per item (per 50 counters), the item's counters in one ADD. */
export async function applyIncrements(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  increments: Increment[],
  concurrency = 8,
): Promise<void> {
  const updates = increments.flatMap(({ key, counters }) => {
    const entries = Object.entries(counters).filter(([, v]) => v !== 0);
    const out: { key: Key; entries: [string, number][] }[] = [];
    for (let i = 0; i < entries.length; i += COUNTERS_PER_UPDATE) {
      out.push({ key, entries: entries.slice(i, i + COUNTERS_PER_UPDATE) });
    }
    return out;
  });
  await mapLimit(updates, concurrency, async ({ key, entries }) => {
    await ddb.send(
      new UpdateCommand({ TableName: tableName, Key: key, ...addExpression(entries) }),
    );
  });
}

/** The parts of an UpdateItem that ADDs each counter of `entries` to an item. */
export function addExpression(entries: [string, number][]) {
  return {
    UpdateExpression: `ADD ${entries.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#c${i}`, k])),
    ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:c${i}`, v])),
  };
}

/** Accumulates increments per item before they are applied (once per batch per key). */
export class IncrementSet {
  private readonly byKey = new Map<string, Increment>();

  add(key: Key, counters: Counters): void {
    const id = keyString(key);
    const existing = this.byKey.get(id);
    if (existing) addCounters(existing.counters, counters);
    else this.byKey.set(id, { key, counters: { ...counters } });
  }

  list(): Increment[] {
    return [...this.byKey.values()];
  }
}

/** What the rollup stored for a period. */
export interface RollupItem {
  /** Rebuilt additive counters. */
  c: Counters;
  /** Buckets before this one are folded into `c`. */
  watermark: string;
  rebuiltAt: string;
  [extra: string]: unknown;
}

export interface ServedPeriod {
  counters: Counters;
  rollup: RollupItem | undefined;
  /** Every live bucket of the period, folded or not (bucket start → counters). */
  buckets: { bucket: string; counters: Counters }[];
}

const NON_COUNTER = new Set(['pk', 'sk']);

/** Reads one period partition and returns its served figures (see the module comment). */
export async function readPeriod(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  period: string,
): Promise<ServedPeriod> {
  const items = await queryAll(ddb, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': counterPartition(projectId, period) },
  });

  const rollup = items.find((i) => i.sk === ROLLUP_SK) as RollupItem | undefined;
  const counters: Counters = { ...(rollup?.c ?? {}) };
  const buckets = items
    .filter((i) => (i.sk as string).startsWith(BUCKET_PREFIX))
    .map((i) => ({
      bucket: (i.sk as string).slice(BUCKET_PREFIX.length),
      counters: countersOf(i),
    }));
  for (const b of buckets) {
    if (!rollup || b.bucket >= rollup.watermark) addCounters(counters, b.counters);
  }
  return { counters, rollup, buckets };
}

/** The numeric attributes of a counter item. */
export function countersOf(item: Record<string, unknown>): Counters {
  const out: Counters = {};
  for (const [k, v] of Object.entries(item)) {
    if (!NON_COUNTER.has(k) && typeof v === 'number') out[k] = v;
  }
  return out;
}

/** A project's all-time totals. */
export async function readTotals(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
): Promise<Counters> {
  const res = await ddb.send(new GetCommand({ TableName: tableName, Key: keys.totals(projectId) }));
  return res.Item ? countersOf(res.Item) : {};
}
