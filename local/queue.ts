/**
 * The local stand-in for an SQS queue with a Lambda event source mapping: messages reach the
 * handler in SQS-shaped batches; records the handler reports failed (or all, if it throws) come
 * back after a backoff; after `maxReceiveCount` receives a message goes to the dead-letter sink
 * with its reason.
 *
 * Durable, as SQS is: `send` resolves only once the message is in the journal (fsync'd), and a
 * message leaves the journal only when the handler processed it or it was dead-lettered, so a
 * crash at any point loses nothing sent; the next start redelivers what was not acknowledged.
 * Bounded: past `maxBacklog` (messages waiting, retrying or in flight) `send` refuses with
 * `BacklogFullError`, so memory never grows with a backlog.
 */
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Journal } from './journal.ts';

export interface QueuedMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  sentTimestamp: number;
}

export interface DeadLetter {
  message: QueuedMessage;
  reason: string;
  failedAt: string;
}

/** How much the queue holds before it refuses: messages and bytes of their bodies. */
export interface Backlog {
  entries: number;
  bytes: number;
}

/** Sized so a full backlog stays well within a laptop's memory (README, "Local twin"). */
export const DEFAULT_MAX_BACKLOG: Backlog = { entries: 10_000, bytes: 16 * 1024 * 1024 };

/** Refused because the backlog is full: try again once ingest has caught up. */
export class BacklogFullError extends Error {
  constructor(backlog: Backlog, max: Backlog) {
    super(
      `the local queue is full (${backlog.entries} messages, ${backlog.bytes} bytes; at most ${max.entries}, ${max.bytes})`,
    );
    this.name = 'BacklogFullError';
  }
}

const UNITS: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/**
 * Reads TALLY_LOCAL_MAX_BACKLOG: a number of messages, a size (`64MiB`; B, KiB, MiB, GiB), or
 * both separated by a comma (`10000,64MiB`). A bound left out keeps its default.
 */
export function parseMaxBacklog(value: string | undefined): Backlog {
  const max = { ...DEFAULT_MAX_BACKLOG };
  if (value === undefined || value.trim() === '') return max;
  for (const part of value.split(',')) {
    const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(part);
    const unit = m?.[2]?.toLowerCase();
    const scale = unit ? UNITS[unit] : undefined;
    if (!m || (unit && scale === undefined)) {
      throw new Error(
        `TALLY_LOCAL_MAX_BACKLOG: "${value}" is not a message count, a size (64MiB) or both ("10000,64MiB")`,
      );
    }
    if (scale === undefined) max.entries = Number(m[1]);
    else max.bytes = Number(m[1]) * scale;
  }
  if (max.entries < 1 || max.bytes < 1024 * 1024) {
    throw new Error(
      `TALLY_LOCAL_MAX_BACKLOG: "${value}" is too small (at least 1 message and 1MiB, so one full entry fits)`,
    );
  }
  return max;
}

export interface LocalQueueOptions {
  name: string;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  /** Must have stored the letter durably when it returns: the message is then acknowledged. */
  deadLetter: (letter: DeadLetter) => void;
  journal: Journal;
  /** @default DEFAULT_MAX_BACKLOG */
  maxBacklog?: Backlog;
  batchSize?: number;
  /** How long a partial batch waits for more messages (MaximumBatchingWindow). */
  batchWindowMs?: number;
  /** Batches in flight at once (the function's concurrency). */
  concurrency?: number;
  maxReceiveCount?: number;
  /** Delay before a failed message is visible again, by receive count. */
  retryDelayMs?: (receiveCount: number) => number;
  onError?: (error: unknown) => void;
}

export class LocalQueue {
  readonly arn: string;
  private readonly ready: QueuedMessage[] = [];
  private readonly delayed = new Map<NodeJS.Timeout, QueuedMessage>();
  /** Messages held (waiting, retrying, in flight or being written), and their body bytes. */
  private readonly held: Backlog = { entries: 0, bytes: 0 };
  private readonly bytesOf = new Map<string, number>();
  private inFlight = 0;
  private writing = 0;
  private handlerMs = 0;
  private invocations = 0;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly opts: Required<Omit<LocalQueueOptions, 'onError'>> &
    Pick<LocalQueueOptions, 'onError'>;

  constructor(options: LocalQueueOptions) {
    this.opts = {
      batchSize: 10,
      batchWindowMs: 20,
      concurrency: 4,
      maxReceiveCount: 5,
      maxBacklog: DEFAULT_MAX_BACKLOG,
      retryDelayMs: (n) => Math.min(100 * 2 ** (n - 1), 5000),
      ...options,
    };
    this.arn = `arn:aws:sqs:us-east-1:000000000000:${options.name}`;
  }

  /**
   * Starts delivering: first what the journal kept from the last run (already accepted, so taken
   * whatever the backlog), then what is sent.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    const sent = this.ready.splice(0);
    for (const e of this.opts.journal.recovered) {
      this.hold(e.messageId, Buffer.byteLength(e.body));
      this.ready.push({ ...e, receiveCount: 0 });
    }
    for (const m of sent) this.ready.push(m);
    this.schedule();
  }

  /**
   * Enqueues a message body and resolves with its id once it is durable. Refuses with
   * `BacklogFullError`, before writing anything, when the backlog is full.
   */
  async send(body: string): Promise<string> {
    if (this.stopped) throw new Error(`queue ${this.opts.name} is stopped`);
    const bytes = Buffer.byteLength(body);
    const max = this.opts.maxBacklog;
    if (this.held.entries + 1 > max.entries || this.held.bytes + bytes > max.bytes) {
      throw new BacklogFullError(this.held, max);
    }
    const message = { messageId: randomUUID(), body, receiveCount: 0, sentTimestamp: Date.now() };
    this.hold(message.messageId, bytes);
    this.writing++;
    try {
      await this.opts.journal.append(message);
    } catch (error) {
      this.release([message.messageId]);
      throw error;
    } finally {
      this.writing--;
    }
    if (this.stopped) return message.messageId;
    this.ready.push(message);
    this.schedule();
    return message.messageId;
  }

  /** Handler invocations, and the time spent in them (for the benchmark). */
  stats(): { handlerMs: number; invocations: number } {
    return { handlerMs: this.handlerMs, invocations: this.invocations };
  }

  /** Messages waiting or being retried (not in flight). */
  get depth(): number {
    return this.ready.length + this.delayed.size;
  }

  /** Messages and body bytes held: waiting, retrying, in flight or being written. */
  get backlog(): Backlog {
    return { ...this.held };
  }

  /** Resolves when nothing is being written, waiting, delayed or in flight. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops delivering, waits for batches in flight and closes the journal. Returns how many
   * messages stay in the journal, for the next start.
   */
  async stop(): Promise<number> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const t of this.delayed.keys()) clearTimeout(t);
    this.delayed.clear();
    while (this.inFlight > 0 || this.writing > 0) await new Promise((r) => setTimeout(r, 10));
    await this.opts.journal.close();
    return this.opts.journal.stats().live;
  }

  private hold(messageId: string, bytes: number): void {
    this.bytesOf.set(messageId, bytes);
    this.held.entries++;
    this.held.bytes += bytes;
  }

  /** Acknowledges messages: out of the journal and the backlog. */
  private release(messageIds: string[]): void {
    for (const id of messageIds) {
      const bytes = this.bytesOf.get(id);
      if (bytes === undefined) continue;
      this.bytesOf.delete(id);
      this.held.entries--;
      this.held.bytes -= bytes;
    }
    this.opts.journal.ack(messageIds);
  }

  private isIdle(): boolean {
    return (
      this.writing === 0 &&
      this.ready.length === 0 &&
      this.delayed.size === 0 &&
      this.inFlight === 0
    );
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }

  private schedule(): void {
    if (!this.started || this.stopped || this.timer) return;
    const wait = this.ready.length >= this.opts.batchSize ? 0 : this.opts.batchWindowMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, wait);
  }

  private pump(): void {
    while (!this.stopped && this.ready.length && this.inFlight < this.opts.concurrency) {
      const batch = this.ready.splice(0, this.opts.batchSize);
      this.inFlight++;
      void this.deliver(batch).finally(() => {
        this.inFlight--;
        if (this.ready.length) this.schedule();
        this.notifyIdle();
      });
    }
  }

  private async deliver(batch: QueuedMessage[]): Promise<void> {
    for (const m of batch) m.receiveCount++;
    const records = batch.map((m) => this.record(m));
    let failed: Set<string>;
    let reason: string;
    const started = performance.now();
    this.invocations++;
    try {
      const res = await this.opts.handler({ Records: records });
      failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      reason = 'the handler reported the record as failed';
    } catch (error) {
      this.opts.onError?.(error);
      failed = new Set(batch.map((m) => m.messageId));
      reason = `the handler threw: ${(error as Error).message}`;
    } finally {
      this.handlerMs += performance.now() - started;
    }
    const done: string[] = [];
    for (const m of batch) {
      if (!failed.has(m.messageId)) {
        done.push(m.messageId);
        continue;
      }
      // Stopping: the message stays in the journal, for the next start.
      if (this.stopped) continue;
      if (m.receiveCount >= this.opts.maxReceiveCount && this.deadLettered(m, reason)) {
        done.push(m.messageId);
        continue;
      }
      const t = setTimeout(() => {
        this.delayed.delete(t);
        this.ready.push(m);
        this.schedule();
      }, this.opts.retryDelayMs(m.receiveCount));
      this.delayed.set(t, m);
    }
    this.release(done);
  }

  /** Hands a message to the dead-letter sink; false (and it is retried) if that failed. */
  private deadLettered(m: QueuedMessage, reason: string): boolean {
    try {
      this.opts.deadLetter({
        message: m,
        reason: `${reason} (${m.receiveCount} receives)`,
        failedAt: new Date().toISOString(),
      });
      return true;
    } catch (error) {
      this.opts.onError?.(error);
      return false;
    }
  }

  private record(m: QueuedMessage): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: `${m.messageId}#${m.receiveCount}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentTimestamp),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: 'us-east-1',
    };
  }
}
