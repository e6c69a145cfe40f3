/**
 * The local stand-in for an SQS queue with a Lambda event source mapping: messages reach the
 * handler in SQS-shaped batches; records the handler reports failed (or all, if it throws) come
 * back after a backoff; after `maxReceiveCount` receives a message goes to the dead-letter sink
 * with its reason. Nothing is dropped: `stop()` hands back what was not delivered.
 */
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

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

export interface LocalQueueOptions {
  name: string;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  deadLetter: (letter: DeadLetter) => void;
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
  private inFlight = 0;
  private handlerMs = 0;
  private timer: NodeJS.Timeout | undefined;
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
      retryDelayMs: (n) => Math.min(100 * 2 ** (n - 1), 5000),
      ...options,
    };
    this.arn = `arn:aws:sqs:us-east-1:000000000000:${options.name}`;
  }

  /** Enqueues a message body; returns its id. */
  send(body: string): string {
    const message = { messageId: randomUUID(), body, receiveCount: 0, sentTimestamp: Date.now() };
    this.enqueue([message]);
    return message.messageId;
  }

  /** Puts messages back (from a previous run, or a redrive). */
  enqueue(messages: QueuedMessage[]): void {
    if (this.stopped) throw new Error(`queue ${this.opts.name} is stopped`);
    this.ready.push(...messages);
    this.schedule();
  }

  /** Time spent in the handler (for the benchmark). */
  stats(): { handlerMs: number } {
    return { handlerMs: this.handlerMs };
  }

  /** Messages waiting or being retried (not in flight). */
  get depth(): number {
    return this.ready.length + this.delayed.size;
  }

  /** Resolves when nothing is waiting, delayed or in flight. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering, waits for batches in flight, and returns every undelivered message. */
  async stop(): Promise<QueuedMessage[]> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rest = [...this.delayed.values()];
    for (const t of this.delayed.keys()) clearTimeout(t);
    this.delayed.clear();
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    return [...this.ready.splice(0), ...rest];
  }

  private isIdle(): boolean {
    return this.ready.length === 0 && this.delayed.size === 0 && this.inFlight === 0;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
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
    for (const m of batch) {
      if (!failed.has(m.messageId)) continue;
      if (m.receiveCount >= this.opts.maxReceiveCount || this.stopped) {
        if (m.receiveCount >= this.opts.maxReceiveCount) {
          this.opts.deadLetter({
            message: m,
            reason: `${reason} (${m.receiveCount} receives)`,
            failedAt: new Date().toISOString(),
          });
        } else {
          this.ready.push(m);
        }
        continue;
      }
      const t = setTimeout(() => {
        this.delayed.delete(t);
        this.ready.push(m);
        this.schedule();
      }, this.opts.retryDelayMs(m.receiveCount));
      this.delayed.set(t, m);
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
