/**
 * Rate limits per write key that hold across the track function's containers at a small cost.
 *
 * Traffic is counted in fixed windows (`windowSeconds`, budget = limit × window). Each container
 * keeps, per key, the window's total as DynamoDB last told it plus what it accepted since; it
 * admits a request only while that sum plus the request stays within the budget, so one container
 * alone can never exceed it. At most once per second per key it adds its local count to the key's
 * window item (store/rate-limits.ts) and reads the total back in the same write, so it sees the
 * other containers' traffic up to about one second late. Hence the guarantee (docs/tracking.md
 * "Rate limits"): a key gets at most its budget per window, plus at most what each container
 * accepted in the second before its last sync. Only accepted requests are counted: a refused one
 * costs its sender nothing, so its retry is counted once, when it is accepted. Every key has its
 * own items: no tenant's traffic touches another's. If DynamoDB cannot be reached the limiter
 * fails open on the shared count, and still holds each container to the budget.
 */
import type { Log } from '../http/logger.ts';
import { RateLimitedError } from '../model/errors.ts';
import type { RateLimit } from '../model/limits.ts';
import type { Usage } from '../store/rate-limits.ts';

export interface RateLimitDeps {
  /** Adds to a key's window total and returns the new total (all containers). */
  addUsage: (
    window: { projectId: string; keyId: string; start: number; seconds: number },
    add: Usage,
  ) => Promise<Usage>;
  /** The key's limit (its own, its project's or the default). */
  limitOf: (projectId: string, keyId: string) => Promise<RateLimit>;
  windowSeconds: number;
  now: () => number;
  log?: Log;
  /** How often a container syncs a busy key. @default 1000 */
  syncMs?: number;
}

interface KeyState {
  /** Start of the window, epoch seconds. */
  window: number;
  /** The window's total as of the last sync (this container's synced traffic included). */
  shared: Usage;
  /** Accepted here since the last sync. */
  pending: Usage;
  /** Accepted here and being added by the sync under way (not yet in `shared`). */
  sending: Usage;
  syncedAt: number;
  syncing: boolean;
}

/** Keys tracked per container before old entries are dropped. */
const MAX_KEYS = 10_000;

export class RateLimiter {
  private readonly state = new Map<string, KeyState>();

  constructor(private readonly deps: RateLimitDeps) {}

  /** Admits a request of `events` events for the key, or throws RateLimitedError (429). */
  async admit(projectId: string, keyId: string, events: number): Promise<void> {
    const { deps } = this;
    const limit = await deps.limitOf(projectId, keyId);

    const now = deps.now();
    const seconds = deps.windowSeconds;
    const window = Math.floor(now / 1000 / seconds) * seconds;
    const id = `${projectId}\u0000${keyId}`;
    let s = this.state.get(id);
    if (!s || s.window !== window) {
      if (this.state.size >= MAX_KEYS) this.state.clear();
      s = {
        window,
        shared: { requests: 0, events: 0 },
        pending: { requests: 0, events: 0 },
        sending: { requests: 0, events: 0 },
        syncedAt: Number.NEGATIVE_INFINITY,
        syncing: false,
      };
      this.state.set(id, s);
    }
    const budget = {
      requests: limit.requestsPerSecond * seconds,
      events: limit.eventsPerSecond * seconds,
    };
    const requests = s.shared.requests + s.sending.requests + s.pending.requests + 1;
    const total = s.shared.events + s.sending.events + s.pending.events + events;
    if (requests > budget.requests || total > budget.events) {
      const retryAfter = Math.max(1, Math.ceil(window + seconds - now / 1000));
      const which = requests > budget.requests ? 'requests' : 'events';
      throw new RateLimitedError(
        `Write key ${keyId} is over its limit of ${which === 'requests' ? limit.requestsPerSecond : limit.eventsPerSecond} ${which} per second (${budget[which]} per ${seconds} s window); retry after ${retryAfter} s`,
        retryAfter,
        {
          limit: {
            keyId,
            requestsPerSecond: limit.requestsPerSecond,
            eventsPerSecond: limit.eventsPerSecond,
            windowSeconds: seconds,
            exceeded: which,
          },
        },
      );
    }
    s.pending.requests += 1;
    s.pending.events += events;
    // One sync at a time per key: its answer then always includes every earlier one.
    if (!s.syncing && now - s.syncedAt >= (deps.syncMs ?? 1000)) {
      await this.sync(projectId, keyId, s);
    }
  }

  /** Adds the container's pending count to the shared window and learns the total. */
  private async sync(projectId: string, keyId: string, s: KeyState): Promise<void> {
    const add = s.pending;
    s.sending = add;
    s.pending = { requests: 0, events: 0 };
    s.syncing = true;
    s.syncedAt = this.deps.now();
    try {
      const total = await this.deps.addUsage(
        { projectId, keyId, start: s.window, seconds: this.deps.windowSeconds },
        add,
      );
      s.shared = total;
    } catch (error) {
      // Fail open on the shared count; this container still holds the key to its budget.
      s.pending.requests += add.requests;
      s.pending.events += add.events;
      this.deps.log?.warn('rate limit sync failed; counting locally', { projectId, keyId, error });
    } finally {
      s.sending = { requests: 0, events: 0 };
      s.syncing = false;
    }
  }
}
