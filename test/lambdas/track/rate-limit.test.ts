import { beforeAll, describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../../lambdas/model/errors.ts';
import { RATE_WINDOW_SECONDS, type RateLimit } from '../../../lambdas/model/limits.ts';
import { addUsage } from '../../../lambdas/store/rate-limits.ts';
import { RateLimiter } from '../../../lambdas/track/rate-limit.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';

let t: TestTable;
beforeAll(async () => {
  t = await createTestTable();
});

/** A track "container": its own limiter, sharing the table with the others. */
function container(clock: { now: number }, limits: Record<string, RateLimit>) {
  return new RateLimiter({
    addUsage: (window, add) => addUsage(t.ddb, t.tableName, window, add),
    limitOf: async (projectId, keyId) => limits[`${projectId}/${keyId}`] as RateLimit,
    windowSeconds: RATE_WINDOW_SECONDS,
    now: () => clock.now,
  });
}

/** Sends `n` requests of `events` events through `limiter`; returns the outcomes. */
async function flood(limiter: RateLimiter, project: string, key: string, n: number, events = 1) {
  const out = { accepted: 0, refused: 0, retryAfter: new Set<string>() };
  for (let i = 0; i < n; i++) {
    try {
      await limiter.admit(project, key, events);
      out.accepted++;
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      out.refused++;
      out.retryAfter.add(String(error.headers?.['retry-after']));
      expect(error.status).toBe(429);
      expect(error.details?.limit).toMatchObject({
        keyId: key,
        windowSeconds: RATE_WINDOW_SECONDS,
      });
    }
  }
  return out;
}

// A window start, so every request below falls in one window unless the clock moves.
const WINDOW_START = Date.parse('2026-11-22T10:00:00Z');

describe('write-key rate limits', () => {
  it('refuses a flood on one key with 429 and Retry-After while another project’s key is unaffected', async () => {
    const clock = { now: WINDOW_START + 2_000 };
    const limits = {
      'flood/k1': { requestsPerSecond: 10, eventsPerSecond: 1000 },
      'calm/k2': { requestsPerSecond: 10, eventsPerSecond: 1000 },
    };
    const limiter = container(clock, limits);
    // Budget: 10/s × 10 s = 100 requests per window.
    const flooded = await flood(limiter, 'flood', 'k1', 250);
    expect(flooded.accepted).toBe(100);
    expect(flooded.refused).toBe(150);
    // 2 s into a 10 s window: retry when it ends, 8 s from now.
    expect([...flooded.retryAfter]).toEqual(['8']);
    const calm = await flood(limiter, 'calm', 'k2', 50);
    expect(calm).toMatchObject({ accepted: 50, refused: 0 });
    // The next window admits the flooding key again.
    clock.now = WINDOW_START + RATE_WINDOW_SECONDS * 1000;
    expect((await flood(limiter, 'flood', 'k1', 5)).accepted).toBe(5);
  });

  it('counts the events of a batch, not only the request', async () => {
    const clock = { now: WINDOW_START + 60_000 };
    const limiter = container(clock, { 'p/big': { requestsPerSecond: 100, eventsPerSecond: 500 } });
    // 5,000 events per window: two batches of 2,500, then no third.
    const out = await flood(limiter, 'p', 'big', 3, 2500);
    expect(out).toMatchObject({ accepted: 2, refused: 1 });
  });

  it('holds across two containers sharing the table, within one second of each one’s traffic', async () => {
    const clock = { now: WINDOW_START + 120_000 };
    const limits = { 'p/shared': { requestsPerSecond: 20, eventsPerSecond: 10_000 } };
    const a = container(clock, limits);
    const b = container(clock, limits);
    // Budget 200 per window. Both containers take traffic, interleaved, 40 requests a second each
    // (twice the rate between them: half must be refused).
    let accepted = 0;
    let refused = 0;
    for (let second = 0; second < RATE_WINDOW_SECONDS; second++) {
      for (let i = 0; i < 40; i++) {
        clock.now = WINDOW_START + 120_000 + second * 1000 + i * 25;
        for (const c of [a, b]) {
          const r = await flood(c, 'p', 'shared', 1);
          accepted += r.accepted;
          refused += r.refused;
        }
      }
    }
    expect(accepted + refused).toBe(800);
    // At most the budget plus one second of each container's traffic (40 + 40).
    expect(accepted).toBeGreaterThanOrEqual(200);
    expect(accepted).toBeLessThanOrEqual(280);
    // One container alone would have let through 200 of its own 400: the shared count held.
    const stored = await t.query(`RL#p#shared`);
    expect(stored).toHaveLength(1);
    expect(Number(stored[0]?.r)).toBeLessThanOrEqual(accepted);
  });
});
