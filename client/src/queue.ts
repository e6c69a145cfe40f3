/**
 * The bounded in-memory queue: serialized messages waiting to be sent, one FIFO lane per route,
 * bounded in events and bytes together. When a message does not fit, the overflow policy decides
 * which message is dropped: the new one (`drop-newest`) or the oldest waiting (`drop-oldest`).
 * Messages already in a request are not in the queue, so they are never dropped to make room.
 */
import type { Route } from './messages.ts';

export interface Entry {
  /** The message as sent, serialized once when it was tracked. */
  json: string;
  /** UTF-8 bytes of `json`. */
  bytes: number;
  /** Order of arrival, across lanes. */
  seq: number;
  route: Route;
}

export type OverflowPolicy = 'drop-newest' | 'drop-oldest';

const NONE: readonly Entry[] = Object.freeze([]);

/** A FIFO with O(1) shift: an array and a head index, compacted now and then. */
class Lane {
  private items: Entry[] = [];
  private head = 0;
  bytes = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  peek(): Entry | undefined {
    return this.items[this.head];
  }

  push(entry: Entry): void {
    this.items.push(entry);
    this.bytes += entry.bytes;
  }

  /**
   * Takes up to `maxCount` entries from the front (at least one, if any) whose bytes, with a
   * comma between each two, fit `maxBytes`; returns them and that joined size.
   */
  take(maxCount: number, maxBytes: number): { entries: Entry[]; joinedBytes: number } {
    const items = this.items;
    const start = this.head;
    const end = Math.min(items.length, start + maxCount);
    let i = start;
    let joined = 0;
    for (; i < end; i++) {
      const add = (items[i] as Entry).bytes + (i > start ? 1 : 0);
      if (i > start && joined + add > maxBytes) break;
      joined += add;
    }
    const entries = items.slice(start, i);
    // Released at once, not when the array is next compacted.
    items.fill(undefined as unknown as Entry, start, i);
    this.head = i;
    this.bytes -= joined - Math.max(0, entries.length - 1);
    this.compact();
    return { entries, joinedBytes: joined };
  }

  shift(): Entry | undefined {
    const entry = this.items[this.head];
    if (entry === undefined) return undefined;
    this.items[this.head] = undefined as unknown as Entry;
    this.head++;
    this.bytes -= entry.bytes;
    this.compact();
    return entry;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

export class BoundedQueue {
  private readonly lanes: Record<Route, Lane> = { batch: new Lane(), events: new Lane() };

  /** Messages waiting, in both lanes. */
  get count(): number {
    return this.lanes.batch.length + this.lanes.events.length;
  }

  /** Their UTF-8 bytes. */
  get bytes(): number {
    return this.lanes.batch.bytes + this.lanes.events.bytes;
  }

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
    private readonly overflow: OverflowPolicy,
  ) {}

  /** Adds `entry`; returns what was dropped to keep the bounds (possibly `entry` itself). */
  add(entry: Entry): readonly Entry[] {
    // The common case (it fits), without allocating: this runs for every message tracked.
    if (this.fits(entry)) {
      this.lanes[entry.route].push(entry);
      return NONE;
    }
    // A message the empty queue could not hold is refused alone, whatever the policy: dropping
    // the others would not make room for it.
    if (this.overflow === 'drop-newest' || this.maxEvents < 1 || entry.bytes > this.maxBytes) {
      return [entry];
    }
    const dropped: Entry[] = [];
    while (!this.fits(entry)) {
      const oldest = this.shiftOldest();
      if (!oldest) break;
      dropped.push(oldest);
    }
    this.lanes[entry.route].push(entry);
    return dropped;
  }

  private fits(entry: Entry): boolean {
    return this.count < this.maxEvents && this.bytes + entry.bytes <= this.maxBytes;
  }

  /** The seq of the oldest waiting message, or Infinity when none waits. */
  oldestSeq(): number {
    const a = this.lanes.batch.peek()?.seq ?? Number.POSITIVE_INFINITY;
    const b = this.lanes.events.peek()?.seq ?? Number.POSITIVE_INFINITY;
    return Math.min(a, b);
  }

  /**
   * The route to send next: a lane holding a full batch (`flushAt` messages or `fullBytes`), or
   * one whose oldest message is due (seq ≤ `dueUpTo`); the older lane first.
   */
  ready(flushAt: number, fullBytes: number, dueUpTo: number): Route | undefined {
    let best: Route | undefined;
    let bestSeq = Number.POSITIVE_INFINITY;
    for (const route of ['batch', 'events'] as const) {
      const lane = this.lanes[route];
      const head = lane.peek();
      if (!head) continue;
      const isReady = lane.length >= flushAt || lane.bytes >= fullBytes || head.seq <= dueUpTo;
      if (isReady && head.seq < bestSeq) {
        best = route;
        bestSeq = head.seq;
      }
    }
    return best;
  }

  /**
   * Takes up to `maxCount` messages of `route`, in order, whose bytes (plus commas) fit `maxBytes`
   * (at least one, if any waits); returns them and their size joined by commas.
   */
  take(
    route: Route,
    maxCount: number,
    maxBytes: number,
  ): { entries: Entry[]; joinedBytes: number } {
    return this.lanes[route].take(maxCount, maxBytes);
  }

  /** Empties the queue (close() past its timeout) and returns what was waiting. */
  drain(): Entry[] {
    const out: Entry[] = [];
    for (let e = this.shiftOldest(); e; e = this.shiftOldest()) out.push(e);
    return out;
  }

  private shiftOldest(): Entry | undefined {
    const a = this.lanes.batch.peek();
    const b = this.lanes.events.peek();
    const lane = a && (!b || a.seq < b.seq) ? this.lanes.batch : b ? this.lanes.events : undefined;
    return lane?.shift();
  }
}
