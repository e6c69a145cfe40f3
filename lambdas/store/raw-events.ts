/**
 * How a raw event is stored: a few plain attributes that queries filter on, the writer's claim
 * (which fact-log item counts it, and what the commit log said when it looked), and the whole
 * envelope deflated into one binary attribute so a typical event stays within one write unit.
 */
import { inflateRawSync } from 'node:zlib';
import type { StorageConfig } from '../contract/config/storage.ts';
import { type Key, keys } from '../contract/keys.ts';
import { TABLE } from '../contract/table.ts';
import { actorOf, type TallyEvent } from '../model/events.ts';
import { dayOf, MS } from '../model/time.ts';
import { deflate } from './deflate.ts';

/** Attribute names of a raw-event item. Short, because item size is cost. */
export const RAW = {
  time: 't',
  type: 'ty',
  name: 'ev',
  actor: 'u',
  /** The event's day: the fact-log partition its fact is in. */
  day: 'd',
  /** Sort key of the fact-log item that counts it, written by the same commit. */
  factItem: 'fl',
  /** The commit-log version its writer read before checking it was new. */
  seenVersion: 'v0',
  body: 'z',
  ttl: TABLE.ttlAttribute,
} as const;

export type RawItem = Key & Record<string, unknown>;

/** Which writer stored a raw event, and where that writer's commit puts its fact. */
export interface RawClaim {
  day: string;
  factItem: string;
  seenVersion: number;
}

/** The day partition an event's fact and figures belong to: the UTC day of its corrected timestamp. */
export const eventDay = (e: TallyEvent) => dayOf(Date.parse(e.timestamp));

export function toRawItem(
  e: TallyEvent,
  storage: Pick<StorageConfig, 'eventShards' | 'retentionDays'>,
  claim: RawClaim,
): RawItem {
  const item: RawItem = {
    ...keys.rawEvent(e.projectId, e.messageId, storage.eventShards),
    [RAW.time]: Date.parse(e.timestamp),
    [RAW.type]: e.type,
    [RAW.day]: claim.day,
    [RAW.factItem]: claim.factItem,
    [RAW.seenVersion]: claim.seenVersion,
    [RAW.body]: deflate(JSON.stringify(e)),
    [RAW.ttl]: rawTtl(e, storage),
  };
  const name = e.event ?? e.name;
  if (name) item[RAW.name] = name;
  const actor = actorOf(e);
  if (actor) item[RAW.actor] = actor;
  return item;
}

/** The claim a stored raw event carries, or undefined for an item without one. */
export function claimOf(item: Record<string, unknown>): RawClaim | undefined {
  const day = item[RAW.day];
  const factItem = item[RAW.factItem];
  const seenVersion = item[RAW.seenVersion];
  if (typeof day !== 'string' || typeof factItem !== 'string' || typeof seenVersion !== 'number') {
    return undefined;
  }
  return { day, factItem, seenVersion };
}

/**
 * What is left of a deleted user's raw event: its key and expiry, no claim and no content. Ingest
 * reads an item without a claim as a duplicate, so a resend of the event stays dropped for as long
 * as the event would have been kept.
 */
export function rawTombstone(key: Key, ttl: number): RawItem {
  return { ...key, [RAW.ttl]: ttl };
}

/** When a raw event (and its facts) expire: `retentionDays` after it was received (epoch s). */
export function rawTtl(e: TallyEvent, storage: Pick<StorageConfig, 'retentionDays'>): number {
  return Math.floor((Date.parse(e.receivedAt) + storage.retentionDays * MS.day) / 1000);
}

export function fromRawItem(item: Record<string, unknown>): TallyEvent {
  const body = item[RAW.body];
  if (!(body instanceof Uint8Array)) throw new Error(`raw event ${String(item.pk)} has no body`);
  return JSON.parse(inflateRawSync(body).toString('utf8')) as TallyEvent;
}
