/**
 * A day as reports see it: the rollup's rebuilt figures up to its watermark, plus the live layer
 * after it (counter buckets and fact log). The rollup's large per-day maps (users, conversations,
 * resources, API endpoints) are stored as deflated chunks under a generation named by the
 * watermark; the rollup item names the current one, so readers switch generations atomically.
 */
import { inflateRawSync } from 'node:zlib';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { period, sideGeneration, sidePartition } from '../contract/keys.ts';
import {
  type Aggregate,
  type ApiStats,
  type ConversationStats,
  emptyParts,
  type Parts,
  partsOf,
  type ResourceStats,
  type UserStats,
} from './aggregate.ts';
import type { Counters } from './contributions.ts';
import { type RollupItem, readPeriod, type ServedPeriod } from './counters.ts';
import { deflate } from './deflate.ts';
import { type Distribution, emptyDistribution, mergeDistribution } from './distribution.ts';
import { queryAll } from './dynamo.ts';
import { readFactsSince } from './fact-log.ts';
import {
  mergeAggregate,
  mergeApi,
  mergeConversation,
  mergeMap,
  mergeResource,
  mergeUser,
} from './merge.ts';

/**
 * The stored side maps. API latency distributions are their own kind: they grow with the calls
 * of an endpoint (up to the sketch's size), so only reports that show latency read them.
 */
export const SIDE_KINDS = ['users', 'conversations', 'resources', 'api', 'apiLatency'] as const;
export type SideKind = (typeof SIDE_KINDS)[number];

export interface SideMaps {
  users: Record<string, UserStats>;
  conversations: Record<string, ConversationStats>;
  resources: Record<string, ResourceStats>;
  api: Record<string, ApiStats>;
}

/** The side maps as stored: API stats without their latency, which is a map of its own. */
export function toStored(parts: SideMaps): Record<SideKind, Record<string, unknown>> {
  const api: Record<string, ApiStats> = {};
  const apiLatency: Record<string, Distribution> = {};
  for (const [key, stats] of Object.entries(parts.api)) {
    api[key] = { ...stats, dur: emptyDistribution() };
    if (stats.dur.n) apiLatency[key] = stats.dur;
  }
  return {
    users: parts.users,
    conversations: parts.conversations,
    resources: parts.resources,
    api,
    apiLatency,
  };
}

/** The rollup item of a day, as the rollup writes it. */
export interface DayRollup extends RollupItem {
  x: Aggregate;
  /** Number of stored chunks per side kind in the current generation. */
  chunks: Record<SideKind, number>;
  /** Events the rebuild read. */
  events: number;
}

/** A chunk stays under DynamoDB's 400 KB item limit with room to spare. */
const CHUNK_BYTES = 300 * 1024;

/** Deflated chunks of one side map, each under CHUNK_BYTES. */
export function encodeSide(map: Record<string, unknown>): Uint8Array[] {
  const entries = Object.entries(map);
  if (!entries.length) return [];
  const whole = deflate(JSON.stringify(map));
  if (whole.length <= CHUNK_BYTES) return [whole];
  const parts = Math.ceil(whole.length / CHUNK_BYTES) + 1;
  const size = Math.ceil(entries.length / parts);
  const out: Uint8Array[] = [];
  for (let i = 0; i < entries.length; i += size) {
    out.push(deflate(JSON.stringify(Object.fromEntries(entries.slice(i, i + size)))));
  }
  return out;
}

export function decodeSide<T>(chunks: Uint8Array[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const c of chunks) Object.assign(out, JSON.parse(inflateRawSync(c).toString('utf8')));
  return out;
}

/**
 * What a report asks of a day: the aggregates always, the side maps it names. `api` without
 * `apiLatency` gives API stats with empty durations (not a partial, misleading latency).
 */
export type Need = Partial<Record<SideKind, boolean>>;

export interface DayView {
  day: string;
  /** Served counters: rebuilt + live buckets after the watermark. */
  counters: Counters;
  /** Aggregates and the side maps asked for: rebuilt + live facts after the watermark. */
  parts: Parts;
  rollup: { watermark: string; rebuiltAt: string } | undefined;
}

export interface StoreDeps {
  ddb: DynamoDBDocumentClient;
  tableName: string;
}

/** The side map `kind` of a day's rollup generation. */
export async function readSide(
  deps: StoreDeps,
  projectId: string,
  day: string,
  generation: string,
  kind: SideKind,
): Promise<Record<string, unknown>> {
  const items = await queryAll(deps.ddb, {
    TableName: deps.tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :g)',
    ExpressionAttributeValues: {
      ':pk': sidePartition(projectId, day),
      ':g': sideGeneration(generation, kind),
    },
  });
  return decodeSide(items.map((i) => i.z as Uint8Array));
}

/**
 * Reads one day: counters, aggregates and the side maps in `need`, rebuilt plus live (without
 * the live facts when `liveFacts` is false: the rebuilt layer alone, as a compaction needs it).
 * `served` is the day's counter partition when the caller has read it already.
 */
export async function readDay(
  deps: StoreDeps,
  projectId: string,
  day: string,
  need: Need = {},
  options: { liveFacts?: boolean; served?: ServedPeriod } = {},
): Promise<DayView> {
  const served =
    options.served ?? (await readPeriod(deps.ddb, deps.tableName, projectId, period.day(day)));
  const rollup = served.rollup as DayRollup | undefined;
  const watermark = rollup?.watermark;
  const kinds = SIDE_KINDS.filter((k) => need[k] && (rollup?.chunks?.[k] ?? 0) > 0);
  const [facts, ...sides] = await Promise.all([
    options.liveFacts === false
      ? Promise.resolve([])
      : readFactsSince(deps.ddb, deps.tableName, projectId, day, watermark),
    ...kinds.map((k) => readSide(deps, projectId, day, watermark as string, k)),
  ]);
  const parts = emptyParts();
  if (rollup?.x) mergeAggregate(parts.agg, rollup.x);
  let latency: Record<string, Distribution> = {};
  kinds.forEach((kind, i) => {
    if (kind === 'apiLatency') latency = sides[i] as Record<string, Distribution>;
    else (parts as unknown as SideMaps)[kind] = sides[i] as never;
  });
  const live = partsOf(facts);
  mergeAggregate(parts.agg, live.agg);
  if (need.users) mergeMap(parts.users, live.users, mergeUser);
  if (need.conversations) mergeMap(parts.conversations, live.conversations, mergeConversation);
  if (need.resources) mergeMap(parts.resources, live.resources, mergeResource);
  if (need.api) {
    mergeMap(parts.api, live.api, mergeApi);
    for (const [key, stats] of Object.entries(parts.api)) {
      if (!need.apiLatency) stats.dur = emptyDistribution();
      else if (latency[key]) mergeDistribution(stats.dur, latency[key]);
    }
  }
  parts.counters = served.counters;
  return {
    day,
    counters: served.counters,
    parts,
    rollup: rollup ? { watermark: rollup.watermark, rebuiltAt: rollup.rebuiltAt } : undefined,
  };
}
