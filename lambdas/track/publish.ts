/**
 * Publishes accepted events to the bus: one entry per chunk (not per event, since EventBridge and
 * SQS charge per entry), and a request's rejected items the same way; requests within PutEvents' limits, failed entries retried with backoff.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  DETAIL_TYPE,
  EVENT_SOURCE,
  entrySize,
  MAX_DETAIL_BYTES,
  PUT_EVENTS_MAX_BYTES,
  PUT_EVENTS_MAX_ENTRIES,
  REJECTIONS_DETAIL_TYPE,
  type RejectedItem,
  type RejectionsDetail,
} from '../contract/bus.ts';
import type { Normalized } from './normalize.ts';

export interface PublishOptions {
  busName: string;
  /** Attempts per entry, the first included. */
  attempts?: number;
  /** Backoff before retry n is `baseDelayMs * 4^(n-1)`. */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PublishResult {
  /** Indexes (into the input) of events the bus did not accept after every attempt. */
  failed: number[];
  /** The last error code EventBridge gave, for the log. */
  lastErrorCode?: string;
  entries: number;
}

interface Chunk {
  indexes: number[];
  detail: string;
}

/**
 * Packs serialised items into details `head + items.join(',') + ']}'` of at most MAX_DETAIL_BYTES
 * each, in order (an item larger than that gets a chunk of its own).
 */
function chunkDetails(head: string, serialised: string[]): Chunk[] {
  // The head, and `]}`.
  const emptyBytes = Buffer.byteLength(head) + 2;
  const chunks: Chunk[] = [];
  let indexes: number[] = [];
  let json: string[] = [];
  let size = emptyBytes;
  const flush = () => {
    if (indexes.length === 0) return;
    chunks.push({ indexes, detail: `${head}${json.join(',')}]}` });
    indexes = [];
    json = [];
    size = emptyBytes;
  };
  serialised.forEach((item, i) => {
    // The item and its comma.
    const bytes = Buffer.byteLength(item) + 1;
    if (indexes.length > 0 && size + bytes > MAX_DETAIL_BYTES) flush();
    indexes.push(i);
    json.push(item);
    size += bytes;
  });
  flush();
  return chunks;
}

/**
 * Packs events into details of at most MAX_DETAIL_BYTES each, in order. Each event is serialised
 * once, for both its size and the detail: the detail is written as `JSON.stringify` of an
 * `EventsDetail` would write it (keys v, projectId, events), from the parts.
 */
export function chunkEvents(projectId: string, events: Normalized[]): Chunk[] {
  return chunkDetails(
    `{"v":1,"projectId":${JSON.stringify(projectId)},"events":[`,
    events.map((n) => JSON.stringify(n.event)),
  );
}

/** Packs a request's rejected items into `RejectionsDetail`s, as `chunkEvents` does events. */
export function chunkRejections(
  about: Omit<RejectionsDetail, 'v' | 'rejections'>,
  rejections: readonly RejectedItem[],
): Chunk[] {
  const { projectId, keyId, receivedAt, route } = about;
  const head = `{"v":1,${JSON.stringify({ projectId, keyId, receivedAt, route }).slice(1, -1)},"rejections":[`;
  return chunkDetails(
    head,
    rejections.map((r) => JSON.stringify(r)),
  );
}

/** Groups chunks into PutEvents requests within the entry-count and byte limits. */
function requests(chunks: Chunk[]): Chunk[][] {
  const out: Chunk[][] = [];
  let current: Chunk[] = [];
  let bytes = 0;
  for (const c of chunks) {
    const size = entrySize(Buffer.byteLength(c.detail));
    if (
      current.length &&
      (current.length >= PUT_EVENTS_MAX_ENTRIES || bytes + size > PUT_EVENTS_MAX_BYTES)
    ) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(c);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}

/** Publishes accepted events (detail-type `tally.events`). */
export function publish(
  client: EventBridgeClient,
  projectId: string,
  events: Normalized[],
  options: PublishOptions,
): Promise<PublishResult> {
  return publishChunks(client, DETAIL_TYPE, chunkEvents(projectId, events), options);
}

/** Publishes a request's rejected items (detail-type `tally.rejections`). */
export function publishRejections(
  client: EventBridgeClient,
  about: Omit<RejectionsDetail, 'v' | 'rejections'>,
  rejections: readonly RejectedItem[],
  options: PublishOptions,
): Promise<PublishResult> {
  return publishChunks(client, REJECTIONS_DETAIL_TYPE, chunkRejections(about, rejections), options);
}

async function publishChunks(
  client: EventBridgeClient,
  detailType: string,
  chunks: Chunk[],
  options: PublishOptions,
): Promise<PublishResult> {
  const attempts = options.attempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const sleep = options.sleep ?? delay;
  let pending = chunks;
  let lastErrorCode: string | undefined;

  for (let attempt = 1; attempt <= attempts && pending.length; attempt++) {
    if (attempt > 1) await sleep(baseDelayMs * 4 ** (attempt - 2));
    const retry: Chunk[] = [];
    for (const group of requests(pending)) {
      const entries: PutEventsRequestEntry[] = group.map((c) => ({
        EventBusName: options.busName,
        Source: EVENT_SOURCE,
        DetailType: detailType,
        Detail: c.detail,
      }));
      try {
        const res = await client.send(new PutEventsCommand({ Entries: entries }));
        if (!res.FailedEntryCount) continue;
        (res.Entries ?? []).forEach((e, i) => {
          if (e.ErrorCode || !e.EventId) {
            lastErrorCode = e.ErrorCode ?? 'NoEventId';
            retry.push(group[i] as Chunk);
          }
        });
      } catch (error) {
        // The SDK already retried throttling and 5xx; count the whole request as failed.
        lastErrorCode = (error as { name?: string }).name ?? 'Error';
        retry.push(...group);
      }
    }
    pending = retry;
  }
  const result: PublishResult = {
    failed: pending.flatMap((c) => c.indexes).sort((a, b) => a - b),
    entries: chunks.length,
  };
  if (lastErrorCode !== undefined && pending.length) result.lastErrorCode = lastErrorCode;
  return result;
}
