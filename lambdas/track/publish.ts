/**
 * Publishes accepted events to the bus: one entry per chunk (not per event, since EventBridge and
 * SQS charge per entry), requests within PutEvents' limits, failed entries retried with backoff.
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  DETAIL_TYPE,
  EVENT_SOURCE,
  type EventsDetail,
  entrySize,
  MAX_DETAIL_BYTES,
  PUT_EVENTS_MAX_BYTES,
  PUT_EVENTS_MAX_ENTRIES,
} from '../shared/bus.ts';
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

const EMPTY_DETAIL_BYTES = Buffer.byteLength(
  JSON.stringify({ v: 1, projectId: '', events: [], dedupeDays: {} }),
);

/** Packs events into details of at most MAX_DETAIL_BYTES each, in order. */
export function chunkEvents(projectId: string, events: Normalized[]): Chunk[] {
  const chunks: Chunk[] = [];
  let indexes: number[] = [];
  let size = EMPTY_DETAIL_BYTES + Buffer.byteLength(projectId);
  const flush = () => {
    if (indexes.length === 0) return;
    const picked = indexes.map((i) => events[i] as Normalized);
    const dedupeDays: Record<string, string[]> = {};
    for (const n of picked) if (n.dedupeDays.length) dedupeDays[n.event.messageId] = n.dedupeDays;
    const detail: EventsDetail = {
      v: 1,
      projectId,
      events: picked.map((n) => n.event),
      ...(Object.keys(dedupeDays).length ? { dedupeDays } : {}),
    };
    chunks.push({ indexes, detail: JSON.stringify(detail) });
    indexes = [];
    size = EMPTY_DETAIL_BYTES + Buffer.byteLength(projectId);
  };
  events.forEach((n, i) => {
    // The event, its comma, and its `"messageId":[days],` entry in dedupeDays when it has one.
    const bytes =
      Buffer.byteLength(JSON.stringify(n.event)) +
      1 +
      (n.dedupeDays.length
        ? Buffer.byteLength(JSON.stringify({ [n.event.messageId]: n.dedupeDays })) - 1
        : 0);
    if (indexes.length > 0 && size + bytes > MAX_DETAIL_BYTES) flush();
    indexes.push(i);
    size += bytes;
  });
  flush();
  return chunks;
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

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function publish(
  client: EventBridgeClient,
  projectId: string,
  events: Normalized[],
  options: PublishOptions,
): Promise<PublishResult> {
  const attempts = options.attempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const sleep = options.sleep ?? defaultSleep;
  const chunks = chunkEvents(projectId, events);
  let pending = chunks;
  let lastErrorCode: string | undefined;

  for (let attempt = 1; attempt <= attempts && pending.length; attempt++) {
    if (attempt > 1) await sleep(baseDelayMs * 4 ** (attempt - 2));
    const retry: Chunk[] = [];
    for (const group of requests(pending)) {
      const entries: PutEventsRequestEntry[] = group.map((c) => ({
        EventBusName: options.busName,
        Source: EVENT_SOURCE,
        DetailType: DETAIL_TYPE,
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
