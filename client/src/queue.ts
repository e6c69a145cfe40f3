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

  shift(): Entry | undefined {
    const entry = this.items[this.head];
    if (entry === undefined) return undefined;
    this.items[this.head] = undefined as unknown as Entry;
    this.head++;
    this.bytes -= entry.bytes;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return entry;
  }
}

export class BoundedQueue {
  private readonly lanes: Record<Route, Lane> = { batch: new Lane(), events: new Lane() };
  count = 0;
  bytes = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
    private readonly overflow: OverflowPolicy,
  ) {}

  /** Adds `entry`; returns what was dropped to keep the bounds (possibly `entry` itself). */
  add(entry: Entry): Entry[] {
    const dropped: Entry[] = [];
    const fits = () => this.count < this.maxEvents && this.bytes + entry.bytes <= this.maxBytes;
    if (!fits()) {
      if (this.overflow === 'drop-newest') return [entry];
      while (!fits()) {
        const oldest = this.shiftOldest();
        if (!oldest) return [entry];
        dropped.push(oldest);
      }
    }
    this.lanes[entry.route].push(entry);
    this.count++;
    this.bytes += entry.bytes;
    return dropped;
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

  /** Takes up to `maxCount` messages of `route`, in order, whose bytes (plus commas) fit `maxBytes`. */
  take(route: Route, maxCount: number, maxBytes: number): Entry[] {
    const lane = this.lanes[route];
    const out: Entry[] = [];
    let bytes = 0;
    for (let head = lane.peek(); head && out.length < maxCount; head = lane.peek()) {
      const add = head.bytes + (out.length > 0 ? 1 : 0);
      if (out.length > 0 && bytes + add > maxBytes) break;
      lane.shift();
      out.push(head);
      bytes += add;
    }
    this.count -= out.length;
    for (const e of out) this.bytes -= e.bytes;
    return out;
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
    const entry = lane?.shift();
    if (entry) {
      this.count--;
      this.bytes -= entry.bytes;
    }
    return entry;
  }
}
