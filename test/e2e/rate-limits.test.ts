/**
 * Rate limits through the local twin: a flood on one write key is refused with 429 and
 * Retry-After while another project's key goes through, and every refused batch, retried as
 * Segment's clients do, is counted exactly once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../lambdas/admin/reports/summary.ts';
import { RATE_WINDOW_SECONDS } from '../../lambdas/model/limits.ts';
import { mapLimit } from '../../lambdas/store/dynamo.ts';
import { keyIdOf } from '../../lambdas/store/write-keys.ts';
import type { LocalStack } from '../../local/stack.ts';
import { basic, bearer, type Reply, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
beforeAll(async () => {
  // Limits set through the admin API take effect at once.
  stack = await startTestStack('limits', { env: { TALLY_WRITE_KEY_CACHE_SECONDS: '0' } });
});
afterAll(() => stack?.stop());

const admin = (path: string, options: { method?: string; body?: unknown } = {}) =>
  request(`${stack.baseUrl}/api/v1/analytics${path}`, {
    ...options,
    headers: bearer(stack.credentials.adminToken),
  });

const batchOf = (prefix: string, n: number) => ({
  batch: Array.from({ length: n }, (_, i) => ({
    type: 'track',
    event: 'Flooded',
    userId: `${prefix}-u${i % 7}`,
    messageId: `${prefix}-${i}`,
  })),
});

const send = (key: string, body: unknown) =>
  request(`${stack.baseUrl}/v1/batch`, { headers: basic(key), body });

describe('a flood on one write key', () => {
  it('gets 429 with Retry-After; another project’s key is unaffected; retried batches count once', async () => {
    const other = await admin('/write-keys?project=other', { method: 'POST', body: {} });
    expect(other.status).toBe(201);
    const otherKey = (other.body as { writeKey: string }).writeKey;
    const floodKey = stack.credentials.writeKey;
    const set = await admin(`/write-keys/${keyIdOf(floodKey)}/rate-limit`, {
      method: 'PUT',
      body: { rateLimit: { requestsPerSecond: 2, eventsPerSecond: 250 } },
    });
    expect(set.status).toBe(200);
    // Bounds are the admin API's to enforce: a window must hold a full batch.
    const tooLow = await admin(`/write-keys/${keyIdOf(floodKey)}/rate-limit`, {
      method: 'PUT',
      body: { rateLimit: { requestsPerSecond: 2, eventsPerSecond: 10 } },
    });
    expect(tooLow.status).toBe(400);
    const shortRetention = await admin('/settings', { method: 'PUT', body: { retentionDays: 7 } });
    expect(shortRetention.status).toBe(400);
    // 20 requests and 2,500 events per 10 s window. Start at a window's start.
    const windowMs = RATE_WINDOW_SECONDS * 1000;
    await sleep(windowMs - (Date.now() % windowMs) + 50);
    const started = Date.now();

    // 120 batches of 10 on the flooded key and 30 on the other, 8 requests in flight.
    const work = [
      ...Array.from({ length: 120 }, (_, i) => ({ key: floodKey, id: `f${i}` })),
      ...Array.from({ length: 30 }, (_, i) => ({ key: otherKey, id: `o${i}` })),
    ];
    const replies = await mapLimit(work, 8, async (w) => ({
      ...w,
      reply: await send(w.key, batchOf(w.id, 10)),
    }));
    const flood = replies.filter((r) => r.key === floodKey);
    const calm = replies.filter((r) => r.key === otherKey);
    const refused = flood.filter((r) => r.reply.status === 429);
    const accepted = flood.filter((r) => r.reply.status === 200);
    // One container (the twin) is exact: 20 per window the flood lasted, however slow the machine.
    const windows = Math.floor(Date.now() / windowMs) - Math.floor(started / windowMs) + 1;
    expect(calm.map((r) => r.reply.status)).toEqual(calm.map(() => 200));
    expect(accepted.length + refused.length).toBe(120);
    expect(accepted.length).toBeGreaterThanOrEqual(20);
    expect(accepted.length).toBeLessThanOrEqual(20 * windows);
    console.info(
      `rate limits: flooded key sent 120, accepted ${accepted.length}, refused ${refused.length} over ${windows} window(s); other project's key sent 30, accepted ${calm.filter((r) => r.reply.status === 200).length}`,
    );
    const first = refused[0]?.reply as Reply;
    const retryAfter = Number(first.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(RATE_WINDOW_SECONDS);
    expect(first.body).toMatchObject({
      error: {
        code: 'rate_limited',
        retryAfterSeconds: retryAfter,
        limit: {
          keyId: keyIdOf(floodKey),
          requestsPerSecond: 2,
          eventsPerSecond: 250,
          windowSeconds: RATE_WINDOW_SECONDS,
          exceeded: 'requests',
        },
      },
    });

    // Retry the refused batches as a client does: after Retry-After, until accepted.
    let pending = refused.map((r) => r.id);
    let rounds = 0;
    while (pending.length) {
      rounds++;
      expect(rounds).toBeLessThan(12);
      await sleep(windowMs - (Date.now() % windowMs) + 50);
      const again = await mapLimit(pending, 8, async (id) => ({
        id,
        status: (await send(floodKey, batchOf(id, 10))).status,
      }));
      expect(again.every((a) => a.status === 200 || a.status === 429)).toBe(true);
      pending = again.filter((a) => a.status === 429).map((a) => a.id);
    }

    await stack.idle();
    const summary = async (project: string) =>
      ((await admin(`/summary?project=${project}`)).body as Summary).totalEvents;
    expect(await summary('default')).toBe(1200);
    expect(await summary('other')).toBe(300);
  }, 240_000);
});
