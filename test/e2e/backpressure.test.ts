/**
 * Backpressure in the local twin: past its backlog the local bus refuses entries as EventBridge
 * does under throttling, so the tracking API answers 503 with Retry-After instead of holding
 * more in memory; once ingest has caught up it accepts again. What it accepted is counted once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../lambdas/admin/reports/summary.ts';
import type { LocalStack } from '../../local/stack.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

const MAX = { entries: 2, bytes: 64 * 1024 * 1024 };
let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack('backpressure', { maxBacklog: MAX });
});
afterAll(() => stack?.stop());

const track = (messageId: string) =>
  request(`${stack.baseUrl}/v1/track`, {
    headers: basic(stack.credentials.writeKey),
    body: { userId: 'u', event: 'Clicked', messageId },
  });
const totalEvents = async () =>
  (
    (
      await request(`${stack.baseUrl}/api/v1/analytics/summary`, {
        headers: bearer(stack.credentials.adminToken),
      })
    ).body as Summary
  ).totalEvents;

describe('a burst past the local backlog', () => {
  it('answers 503 with Retry-After for what does not fit, accepts again once drained, counts exactly', async () => {
    let largest = 0;
    const watch = setInterval(() => {
      largest = Math.max(largest, stack.queue.backlog.entries);
    }, 1);
    // 60 single-event requests at once: ingest takes at most 2 messages at a time here.
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => track(`bp-${i}`)));
    clearInterval(watch);

    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 503);
    expect(ok.length + refused.length).toBe(60);
    expect(ok.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.headers.get('retry-after')).toBe('5');
      expect(r.body).toMatchObject({
        error: { code: 'unavailable', message: expect.stringMatching(/retry/), failed: [0] },
      });
    }
    // Memory held for the backlog never went past the bound.
    expect(largest).toBeLessThanOrEqual(MAX.entries);

    await stack.idle();
    expect(await totalEvents()).toBe(ok.length);

    // Drained: what was refused is taken now, as a client honouring Retry-After resends it
    // (each once the backlog has room again; here, once the last one was ingested).
    const resent: number[] = [];
    for (const [i, r] of replies.entries()) {
      if (r.status !== 503) continue;
      await stack.idle();
      resent.push((await track(`bp-${i}`)).status);
    }
    expect(resent).toEqual(refused.map(() => 200));
    await stack.idle();
    expect(await totalEvents()).toBe(60);
  });
});
