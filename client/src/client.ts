/**
 * The Tally client: every call is serialized and queued at once (no I/O, no await on the
 * caller's path), and sent in Segment `batch` requests by count, bytes and time, retried with
 * backoff until Tally has them. Every message carries a messageId, so a retry is never counted
 * twice; every message the client gives up on is handed to `onDrop` with its reason.
 */
import { type LlmCall, llmUsage } from './llm.ts';
import {
  type ActivityCall,
  type ApiUsageCall,
  apiUsageJson,
  type Built,
  buildActivity,
  buildApiUsage,
  buildConversation,
  buildIdentify,
  buildMessage,
  buildPage,
  buildTrack,
  type ConversationCall,
  hashedId,
  type IdentifyCall,
  InvalidCall,
  type MessageCall,
  type PageCall,
  type Route,
  roundMs,
  type TrackCall,
} from './messages.ts';
import { nodeSender } from './node-http.ts';
import { BoundedQueue, type Entry, type OverflowPolicy } from './queue.ts';
import {
  type Answer,
  type Body,
  canGzip,
  fetchSender,
  judgeAnswer,
  retryDelay,
  type Send,
} from './transport.ts';
import { utf8Length } from './utf8.ts';
import { VERSION } from './version.ts';

/** Why a message was given up: see the README's "What is dropped, and when". */
export type DropReason =
  | 'queue_full'
  | 'too_large'
  | 'invalid'
  | 'rejected'
  | 'refused'
  | 'retries_exhausted'
  | 'closed';

/** A message the client will not deliver, with why. */
export interface Dropped {
  reason: DropReason;
  /** The Segment message, as it was (or would have been) sent. */
  message: Record<string, unknown>;
  /** Tally's rejection code (`invalid`, `too_large`, `too_many`, `bot`) for reason `rejected`. */
  code?: string;
  /** A readable explanation: Tally's reason, the HTTP status, the bound that was hit. */
  detail: string;
}

export interface TallyOptions {
  /** The project's write key (`tk_…`). */
  writeKey: string;
  /** Tally's base URL, e.g. `https://d111.cloudfront.net` or `http://127.0.0.1:3000`. */
  host: string;
  /** Send when this many messages wait (1–2,500). @default 500 */
  flushAt?: number;
  /** Send what waits this long after the first of it was tracked. @default 1000 */
  flushIntervalMs?: number;
  /** Request body limit, envelope included (Tally refuses over 512,000). @default 500_000 */
  maxBatchBytes?: number;
  /**
   * A message over this (or over what fits in `maxBatchBytes`) is dropped as `too_large` rather
   * than sent: Tally's limit. @default 32_768
   */
  maxEventBytes?: number;
  /** Messages that may wait; past it the overflow policy drops one. @default 10_000 */
  maxQueueEvents?: number;
  /** Bytes that may wait; past it the overflow policy drops one. @default 8 MiB */
  maxQueueBytes?: number;
  /** Which message a full queue drops: the new one, or the oldest waiting. @default 'drop-newest' */
  overflow?: OverflowPolicy;
  /** Requests in flight at once. @default 4 */
  maxInFlight?: number;
  /** Retries of one request before its messages are dropped. @default Infinity (until close) */
  maxRetries?: number;
  /** First retry waits up to this (full jitter, doubling each time). @default 250 */
  retryBaseMs?: number;
  /** Longest wait between retries, Retry-After included. @default 30_000 */
  retryMaxMs?: number;
  /** One request's whole exchange, answer read. @default 10_000 */
  timeoutMs?: number;
  /**
   * Gzip request bodies of `gzipMinBytes` or more. Off by default until Tally's tracking API
   * accepts `Content-Encoding: gzip`; a server that answers such a request 415 (or 400 without a
   * per-item report) gets the same batch uncompressed, and gzip stays off for this client.
   * @default false
   */
  gzip?: boolean;
  /** @default 1024 */
  gzipMinBytes?: number;
  /** Merged under every message's `context` (e.g. `{ app: { name: 'chat-api' } }`). */
  context?: Record<string, unknown>;
  /** Called with the messages the client gives up on. @default a one-line `console.warn` */
  onDrop?: (dropped: Dropped[]) => void;
  /**
   * The fetch to use (a proxy agent, a test double). @default `node:http`/`node:https` where the
   * platform has them (Node.js), else globalThis.fetch
   */
  fetch?: typeof fetch;
}

export interface FlushOptions {
  /** Stop waiting after this long; what is left stays queued (flush) or is dropped (close). */
  timeoutMs?: number;
}

export interface TallyStats {
  /** Messages waiting in the queue. */
  queued: number;
  queuedBytes: number;
  /** Messages in requests not yet answered (including those waiting to retry). */
  inFlight: number;
  /** Messages Tally accepted. */
  delivered: number;
  /** Messages given to `onDrop`, by reason. */
  dropped: Partial<Record<DropReason, number>>;
  /** Requests sent, retries included. */
  requests: number;
  retries: number;
  /** Whether bodies are gzipped now (false after a server refused gzip). */
  gzip: boolean;
}

/** Tally's limits (docs/tracking.md "Limits"). */
const TALLY_LIMITS = { requestBytes: 512_000, eventBytes: 32_768, batchItems: 2500 };
const PATHS: Record<Route, string> = { batch: '/v1/batch', events: '/v1/events/bulk' };
const LIBRARY = { name: '@tally/client', version: VERSION };
/** `"sentAt":"2026-11-22T12:00:05.000Z"`: an ISO time is always 24 characters. */
const SENT_AT_BYTES = 24;
/** Characters of one piece of a request body (see `body`). */
const PIECE_CHARS = 16_384;

/** A shallow copy of a call for onDrop; `{}` when even copying it throws (a getter that throws). */
function copyOf(call: unknown): Record<string, unknown> {
  try {
    return { ...(call as Record<string, unknown>) };
  } catch {
    return {};
  }
}

/** The UTF-8 bytes of `entries` joined by commas. */
function joined(entries: Entry[]): number {
  let bytes = Math.max(0, entries.length - 1);
  for (const e of entries) bytes += e.bytes;
  return bytes;
}

interface InFlight {
  minSeq: number;
  count: number;
}

function positive(name: string, value: number | undefined, fallback: number, max = Infinity) {
  const v = value ?? fallback;
  if (!(typeof v === 'number' && v > 0 && v <= max)) {
    throw new TypeError(`@tally/client: ${name} must be a number in (0, ${max}], got ${value}`);
  }
  return v;
}

const warnDrops = (dropped: Dropped[]) => {
  const reasons = [...new Set(dropped.map((d) => d.reason))].join(', ');
  console.warn(
    `[@tally/client] dropped ${dropped.length} message(s) (${reasons}): ${dropped[0]?.detail}`,
  );
};

export class Tally {
  private readonly o: Required<Omit<TallyOptions, 'context' | 'onDrop' | 'fetch' | 'gzip'>>;
  private readonly send: Send;
  /** Closes the transport's idle connections (close()). */
  private readonly closeTransport: () => void;
  private readonly onDrop: (dropped: Dropped[]) => void;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly queue: BoundedQueue;
  /** Bytes of each route's request body around its messages. */
  private readonly envelopeBytes: Record<Route, number>;
  private readonly contextJson: string;
  private readonly itemContext: Record<string, unknown>;
  private gzipOn: boolean;
  /** maxEventBytes, or less when maxBatchBytes leaves less room. */
  private readonly maxEventBytes: number;

  private seq = 0;
  /** Messages with seq ≤ this are due: sent even in a partial batch. */
  private dueUpTo = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pumpScheduled = false;
  private readonly inFlight = new Set<InFlight>();
  private readonly hashing = new Set<Promise<void>>();
  private readonly waiters = new Set<{ upTo: number; resolve: () => void }>();
  private closed = false;
  private readonly closing = new AbortController();
  private readonly counts = {
    delivered: 0,
    requests: 0,
    retries: 0,
    dropped: {} as Partial<Record<DropReason, number>>,
  };

  constructor(options: TallyOptions) {
    if (!options || typeof options.writeKey !== 'string' || options.writeKey.trim() === '') {
      throw new TypeError('@tally/client: writeKey is required');
    }
    let url: URL;
    try {
      url = new URL(options.host);
    } catch {
      throw new TypeError(`@tally/client: host must be a URL, got ${options.host}`);
    }
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.o = {
      writeKey: options.writeKey,
      host: options.host,
      flushAt: Math.floor(positive('flushAt', options.flushAt, 500, TALLY_LIMITS.batchItems)),
      flushIntervalMs: positive('flushIntervalMs', options.flushIntervalMs, 1000),
      maxBatchBytes: positive(
        'maxBatchBytes',
        options.maxBatchBytes,
        500_000,
        TALLY_LIMITS.requestBytes,
      ),
      maxEventBytes: positive(
        'maxEventBytes',
        options.maxEventBytes,
        TALLY_LIMITS.eventBytes,
        TALLY_LIMITS.eventBytes,
      ),
      maxQueueEvents: positive('maxQueueEvents', options.maxQueueEvents, 10_000),
      maxQueueBytes: positive('maxQueueBytes', options.maxQueueBytes, 8 * 1024 * 1024),
      overflow: options.overflow ?? 'drop-newest',
      maxInFlight: Math.floor(positive('maxInFlight', options.maxInFlight, 4)),
      maxRetries: options.maxRetries ?? Number.POSITIVE_INFINITY,
      retryBaseMs: positive('retryBaseMs', options.retryBaseMs, 250),
      retryMaxMs: positive('retryMaxMs', options.retryMaxMs, 30_000),
      timeoutMs: positive('timeoutMs', options.timeoutMs, 10_000),
      gzipMinBytes: options.gzipMinBytes ?? 1024,
    };
    if (this.o.overflow !== 'drop-newest' && this.o.overflow !== 'drop-oldest') {
      throw new TypeError(`@tally/client: overflow must be drop-newest or drop-oldest`);
    }
    if (!(this.o.maxRetries >= 0)) throw new TypeError('@tally/client: maxRetries must be ≥ 0');
    const node = options.fetch ? undefined : nodeSender(this.baseUrl, this.o.maxInFlight);
    if (node) {
      this.send = node;
      this.closeTransport = node.close;
    } else {
      const fetchImpl = options.fetch ?? globalThis.fetch;
      if (typeof fetchImpl !== 'function') {
        throw new TypeError('@tally/client: no fetch on this platform; pass options.fetch');
      }
      this.send = fetchSender(fetchImpl);
      this.closeTransport = () => undefined;
    }
    this.onDrop = options.onDrop ?? warnDrops;
    this.gzipOn = Boolean(options.gzip) && canGzip();
    this.headers = {
      authorization: `Basic ${btoa(`${options.writeKey}:`)}`,
      'content-type': 'application/json',
    };
    this.queue = new BoundedQueue(this.o.maxQueueEvents, this.o.maxQueueBytes, this.o.overflow);
    this.itemContext = { library: LIBRARY, ...options.context };
    this.contextJson = JSON.stringify(this.itemContext);
    this.envelopeBytes = {
      batch: utf8Length(this.envelope('batch', '').join('')) + SENT_AT_BYTES,
      events: utf8Length(this.envelope('events', '').join('')),
    };
    // A message must fit in a request of its own.
    this.maxEventBytes = Math.min(
      this.o.maxEventBytes,
      this.o.maxBatchBytes - Math.max(this.envelopeBytes.batch, this.envelopeBytes.events),
    );
    if (this.maxEventBytes < 1) {
      throw new TypeError('@tally/client: maxBatchBytes leaves no room for a message');
    }
  }

  // ------------------------------------------------------------------ the calls

  /** A Segment `track` call. Without a user it goes to `/v1/events/bulk` (see README). */
  track(call: TrackCall): void {
    this.enqueue(call, buildTrack);
  }

  identify(call: IdentifyCall): void {
    this.enqueue(call, buildIdentify);
  }

  page(call: PageCall): void {
    this.enqueue(call, buildPage);
  }

  /** A user did something: the event `activity.<type>`. */
  activity(call: ActivityCall): void {
    this.enqueue(call, buildActivity);
  }

  /** One API call answered: the event `api.request` (the middleware calls this). */
  apiUsage(call: ApiUsageCall): void {
    // The middleware's calls, one for every request a service answers: straight to text. A call
    // the fast path does not write takes the general path, which reports what is wrong with it.
    const fast =
      this.closed || this.closing.signal.aborted ? undefined : apiUsageJson(call, this.contextJson);
    if (fast === undefined) {
      this.enqueue(call, buildApiUsage);
      return;
    }
    this.queueJson(fast.json, fast.route, () => JSON.parse(fast.json));
  }

  /** A conversation created (`conversation.started`), updated or ended. */
  conversation(call: ConversationCall): void {
    this.enqueue(call, buildConversation);
  }

  /** One chat message: `message.sent`, with tokens, model and response time. */
  message(call: MessageCall): void {
    this.enqueue(call, buildMessage);
  }

  /**
   * Runs an LLM call and records its answer as a `message`: input, output and cached tokens and
   * the model from the result's `usage` (OpenAI or Anthropic shape), the response time measured
   * here. The result is returned untouched; a failed call records nothing and rethrows.
   */
  async llmCall<T>(call: LlmCall, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await run();
    const responseTimeMs = performance.now() - started;
    try {
      const usage = llmUsage(result);
      const { messageId, ...rest } = call;
      this.message({
        role: 'assistant',
        ...rest,
        messageId: messageId ?? usage.id ?? globalThis.crypto.randomUUID(),
        model: call.model ?? usage.model,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cachedTokens: usage.cachedTokens,
        tokens:
          usage.inputTokens === undefined && usage.outputTokens === undefined
            ? undefined
            : (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0),
        responseTimeMs: roundMs(responseTimeMs),
      });
    } catch {
      // Tracking never breaks the caller's LLM call.
    }
    return result;
  }

  // ------------------------------------------------------------------ shutdown

  /**
   * Sends everything tracked before this call, partial batches included, and resolves once each
   * of those messages is delivered or dropped: true, or false when `timeoutMs` ran out first (what
   * is left stays queued and keeps being retried).
   */
  async flush(options: FlushOptions = {}): Promise<boolean> {
    await this.settleHashing();
    const upTo = this.seq;
    this.dueUpTo = Math.max(this.dueUpTo, upTo);
    this.pump();
    return this.waitFor(upTo, options.timeoutMs);
  }

  /**
   * Flushes and stops: later calls are dropped (`closed`). What is still undelivered after
   * `timeoutMs` is dropped (`closed`) and its requests aborted — it may or may not have reached
   * Tally. @default timeoutMs 10_000
   */
  async close(options: FlushOptions = {}): Promise<void> {
    this.closed = true;
    const done = await this.flush({ timeoutMs: options.timeoutMs ?? 10_000 });
    if (!done) {
      this.closing.abort(new Error('closed'));
      this.dropEntries(this.queue.drain(), 'closed', 'still queued when close() timed out');
      await this.waitFor(this.seq, undefined);
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.closeTransport();
  }

  stats(): TallyStats {
    let inFlight = 0;
    for (const b of this.inFlight) inFlight += b.count;
    return {
      queued: this.queue.count,
      queuedBytes: this.queue.bytes,
      inFlight,
      delivered: this.counts.delivered,
      dropped: { ...this.counts.dropped },
      requests: this.counts.requests,
      retries: this.counts.retries,
      gzip: this.gzipOn,
    };
  }

  // ------------------------------------------------------------------ queueing (the hot path)

  /** Builds, serializes and queues one call. Never throws and never does I/O. */
  private enqueue<C extends object>(call: C, build: (call: C) => Built): void {
    if (this.closed) {
      this.report([
        {
          reason: 'closed',
          message: copyOf(call),
          detail: 'tracked after close()',
        },
      ]);
      return;
    }
    let built: Built;
    try {
      built = build(call);
    } catch (error) {
      const detail = error instanceof InvalidCall ? error.message : String(error);
      this.report([{ reason: 'invalid', message: copyOf(call), detail }]);
      return;
    }
    if (built.hashId) {
      this.hashLater(built);
      return;
    }
    this.admit(built);
  }

  private admit(built: Built): void {
    const { message, route } = built;
    if (this.closing.signal.aborted) {
      this.report([
        { reason: 'closed', message, detail: 'close() timed out before it was queued' },
      ]);
      return;
    }
    // On /v1/events/bulk each message carries the client's context (on /v1/batch, the batch does):
    // when the call has none of its own, the client's, serialized once when it was created, is
    // appended where JSON.stringify would write it (last); a message handed to onDrop gets a copy.
    const shared = route === 'events' && message.context === undefined;
    if (route === 'events' && !shared) {
      message.context = { ...this.itemContext, ...(message.context as Record<string, unknown>) };
    }
    const own = () => (shared ? { ...message, context: { ...this.itemContext } } : message);
    let json: string;
    try {
      json = JSON.stringify(message);
    } catch (error) {
      this.report([
        { reason: 'invalid', message: own(), detail: `not serializable: ${String(error)}` },
      ]);
      return;
    }
    if (shared) json = `${json.slice(0, -1)},"context":${this.contextJson}}`;
    this.queueJson(json, route, own);
  }

  /** Queues one serialized message (`own()` is it as an object, for onDrop). */
  private queueJson(json: string, route: Route, own: () => Record<string, unknown>): void {
    const bytes = utf8Length(json);
    if (bytes > this.maxEventBytes) {
      this.report([
        {
          reason: 'too_large',
          message: own(),
          detail: `message is ${bytes} bytes; the limit is ${this.maxEventBytes}`,
        },
      ]);
      return;
    }
    const dropped = this.queue.add({ json, bytes, seq: ++this.seq, route });
    if (dropped.length > 0) {
      this.dropEntries(
        dropped,
        'queue_full',
        `the queue holds ${this.o.maxQueueEvents} messages or ${this.o.maxQueueBytes} bytes (overflow: ${this.o.overflow})`,
      );
    }
    if (this.queue.ready(this.o.flushAt, this.fullBytes(), this.dueUpTo) !== undefined) {
      this.schedulePump();
    } else if (this.timer === undefined && this.queue.count > 0) {
      this.armTimer();
    }
  }

  /** A derived messageId over 200 characters is a SHA-256, which WebCrypto computes async. */
  private hashLater(built: Built): void {
    const { hashId } = built;
    if (!hashId) return;
    const job: Promise<void> = hashedId(hashId)
      .then((messageId) => this.admit({ ...built, message: { ...built.message, messageId } }))
      .catch((error) =>
        this.report([{ reason: 'invalid', message: built.message, detail: String(error) }]),
      )
      .finally(() => this.hashing.delete(job));
    this.hashing.add(job);
  }

  private async settleHashing(): Promise<void> {
    while (this.hashing.size > 0) await Promise.all(this.hashing);
  }

  private fullBytes(): number {
    return this.o.maxBatchBytes - Math.max(this.envelopeBytes.batch, this.envelopeBytes.events);
  }

  private armTimer(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueUpTo = Math.max(this.dueUpTo, this.seq);
      this.pump();
    }, this.o.flushIntervalMs);
  }

  /** Sending is started on a later turn of the event loop, never inside the caller's call. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setTimeout(() => {
      this.pumpScheduled = false;
      this.pump();
    }, 0);
  }

  private pump(): void {
    while (this.inFlight.size < this.o.maxInFlight) {
      const route = this.queue.ready(this.o.flushAt, this.fullBytes(), this.dueUpTo);
      if (route === undefined) break;
      const room = this.o.maxBatchBytes - this.envelopeBytes[route];
      const { entries, joinedBytes } = this.queue.take(route, this.o.flushAt, room);
      if (entries.length === 0) break;
      const batch: InFlight = { minSeq: entries[0]?.seq ?? 0, count: entries.length };
      this.inFlight.add(batch);
      void this.deliver(route, entries, joinedBytes).finally(() => {
        this.inFlight.delete(batch);
        this.pump();
      });
    }
    if (this.queue.count === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (this.queue.count > 0 && this.timer === undefined) {
      this.armTimer();
    }
    this.wake();
  }

  // ------------------------------------------------------------------ delivery

  /** A request body's text before and after its messages. */
  private envelope(route: Route, sentAt: string): [string, string] {
    return route === 'batch'
      ? ['{"batch":[', `],"sentAt":"${sentAt}","context":${this.contextJson}}`]
      : ['{"events":[', ']}'];
  }

  /**
   * The request body of `entries`, made a piece of about PIECE_CHARS at a time as the transport
   * asks for them (see `Body`): the first starts with the envelope's head, the last ends with its
   * tail. `joinedBytes`, the entries' UTF-8 bytes joined by commas, was counted when they were
   * taken from the queue, so nothing runs over every message before the first piece.
   */
  private body(route: Route, entries: Entry[], joinedBytes: number, sentAt: string): Body {
    const [head, tail] = this.envelope(route, sentAt);
    let next = 0;
    let done = false;
    return {
      bytes: utf8Length(head) + joinedBytes + utf8Length(tail),
      next: () => {
        if (done) return undefined;
        const start = next;
        const group: string[] = [];
        let size = 0;
        for (; next < entries.length; next++) {
          const json = (entries[next] as Entry).json;
          if (size > 0 && size + json.length > PIECE_CHARS) break;
          group.push(json);
          size += json.length + 1;
        }
        let piece = group.join(',');
        piece = start === 0 ? `${head}${piece}` : `,${piece}`;
        if (next >= entries.length) {
          done = true;
          piece += tail;
        }
        return piece;
      },
    };
  }

  /** Sends `entries` until Tally has answered for each of them, or they are given up. */
  private async deliver(route: Route, entries: Entry[], joinedBytes: number): Promise<void> {
    const url = `${this.baseUrl}${PATHS[route]}`;
    for (let attempt = 0; ; ) {
      if (this.closing.signal.aborted) {
        this.dropEntries(entries, 'closed', 'undelivered when close() timed out');
        return;
      }
      // sentAt is the time of this attempt: Tally corrects clock skew with it.
      const body = this.body(route, entries, joinedBytes, new Date().toISOString());
      const gzipped = this.gzipOn && body.bytes >= this.o.gzipMinBytes;
      let answer: Answer;
      try {
        this.counts.requests++;
        const res = await this.send(
          url,
          this.headers,
          body,
          this.o.timeoutMs,
          this.closing.signal,
          gzipped,
        );
        answer = judgeAnswer(res.status, res.body, res.retryAfter, gzipped);
      } catch (error) {
        answer = { kind: 'retry', detail: `network error: ${(error as Error)?.message ?? error}` };
      }

      switch (answer.kind) {
        case 'accepted': {
          const rejected = answer.rejected.filter((r) => entries[r.index] !== undefined);
          this.counts.delivered += entries.length - rejected.length;
          this.report(
            rejected.map((r) => ({
              reason: 'rejected' as const,
              message: JSON.parse((entries[r.index] as Entry).json),
              code: r.code,
              detail: r.reason,
            })),
          );
          return;
        }
        case 'gzip_refused':
          // The same batch again, uncompressed, at once: not a retry of a failure.
          this.gzipOn = false;
          continue;
        case 'split': {
          if (entries.length === 1) {
            this.dropEntries(entries, 'refused', answer.detail);
            return;
          }
          const half = Math.ceil(entries.length / 2);
          for (const part of [entries.slice(0, half), entries.slice(half)]) {
            await this.deliver(route, part, joined(part));
          }
          return;
        }
        case 'refused':
          this.dropEntries(entries, 'refused', answer.detail);
          return;
        case 'retry': {
          if (attempt >= this.o.maxRetries) {
            this.dropEntries(entries, 'retries_exhausted', answer.detail);
            return;
          }
          const delay = retryDelay(attempt, {
            baseMs: this.o.retryBaseMs,
            maxMs: this.o.retryMaxMs,
            retryAfterMs: answer.retryAfterMs,
          });
          attempt++;
          this.counts.retries++;
          await this.sleep(delay);
        }
      }
    }
  }

  /** Waits `ms`, or less when the client is closed past its timeout. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.closing.signal;
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  // ------------------------------------------------------------------ drops and waiting

  private dropEntries(entries: readonly Entry[], reason: DropReason, detail: string): void {
    if (entries.length === 0) return;
    this.report(entries.map((e) => ({ reason, message: JSON.parse(e.json), detail })));
  }

  private report(dropped: Dropped[]): void {
    if (dropped.length === 0) return;
    for (const d of dropped)
      this.counts.dropped[d.reason] = (this.counts.dropped[d.reason] ?? 0) + 1;
    try {
      this.onDrop(dropped);
    } catch {
      // A throwing callback must not break the caller or the delivery loop.
    }
  }

  /** True once nothing with seq ≤ `upTo` is queued or in flight. */
  private settled(upTo: number): boolean {
    if (this.queue.oldestSeq() <= upTo) return false;
    for (const b of this.inFlight) if (b.minSeq <= upTo) return false;
    return true;
  }

  private waitFor(upTo: number, timeoutMs: number | undefined): Promise<boolean> {
    if (this.settled(upTo)) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter = {
        upTo,
        resolve: () => {
          if (timer !== undefined) clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.add(waiter);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(false);
        }, timeoutMs);
      }
    });
  }

  private wake(): void {
    for (const w of this.waiters) {
      if (this.settled(w.upTo)) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }
}
