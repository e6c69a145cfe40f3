/**
 * Exactly once through the entry point users run: the local twin's HTTP API, its bus and queue
 * (four ingest invocations in flight), resends and repeats from concurrent clients. The live
 * figures must be exact as soon as the queue is idle — no rollup, no rebuild.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack('exactly-once');
});
afterAll(() => stack?.stop());

type Message = Record<string, unknown>;

async function sendAll(batches: Message[][], inFlight: number): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] as Message[];
        const res = await request(`${stack.baseUrl}/v1/batch`, {
          headers: basic(stack.credentials.writeKey),
          body: { batch },
        });
        statuses.push(res.status);
      }
    }),
  );
  return statuses;
}

interface Summary {
  totalEvents: number;
  totalUsers: number;
  totalMessages: number;
  totalTokens: number;
}

async function summary(): Promise<Summary> {
  await stack.idle();
  const res = await request(`${stack.baseUrl}/api/v1/analytics/summary`, {
    headers: bearer(stack.credentials.adminToken),
  });
  return res.body as Summary;
}

/** A shuffle that is the same on every run. */
function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const message = (run: string, i: number): Message => ({
  type: 'track',
  messageId: `${run}-${i}`,
  userId: `${run}-u${i % 97}`,
  event: i % 4 === 0 ? 'message.sent' : 'Clicked',
  properties:
    i % 4 === 0 ? { tokens: 7, model: 'gpt-4o', conversationId: `${run}-c${i % 13}` } : {},
});

describe('live figures under resends from concurrent clients', () => {
  it('counts 2,000 events once when every 50-event batch is sent three times, 12 requests in flight', {
    timeout: 120_000,
  }, async () => {
    const before = await summary();
    const events = Array.from({ length: 2000 }, (_, i) => message('triple', i));
    const batches: Message[][] = [];
    for (let i = 0; i < events.length; i += 50) batches.push(events.slice(i, i + 50));
    const statuses = await sendAll(
      shuffled(
        batches.flatMap((b) => [b, b, b]),
        11,
      ),
      12,
    );
    expect(statuses).toHaveLength(120);
    expect(new Set(statuses)).toEqual(new Set([200]));
    const after = await summary();
    expect(after.totalEvents - before.totalEvents).toBe(2000);
    expect(after.totalMessages - before.totalMessages).toBe(500);
    expect(after.totalTokens - before.totalTokens).toBe(3500);
    expect(after.totalUsers - before.totalUsers).toBe(97);
  });

  it('counts 5,000 events once when sent as 6,376 items with ids repeated across batches', {
    timeout: 120_000,
  }, async () => {
    const before = await summary();
    const events = Array.from({ length: 5000 }, (_, i) => message('mixed', i));
    const batches: Message[][] = [];
    for (let i = 0; i < events.length; i += 50) batches.push(events.slice(i, i + 50));
    // 1,226 repeats of earlier ids spread over other batches, and three whole batches resent.
    const resent = [3, 40, 77].map((i) => [...(batches[i] as Message[])]);
    const repeats = Array.from({ length: 1226 }, (_, k) => events[(k * 37) % 5000] as Message);
    for (const [k, m] of repeats.entries()) (batches[k % batches.length] as Message[]).push(m);
    const items = [...batches, ...resent];
    expect(items.flat()).toHaveLength(6376);
    const statuses = await sendAll(shuffled(items, 5), 4);
    expect(new Set(statuses)).toEqual(new Set([200]));
    const after = await summary();
    expect(after.totalEvents - before.totalEvents).toBe(5000);
    expect(after.totalMessages - before.totalMessages).toBe(1250);
  });

  it('counts a replay whose skew correction gives it another timestamp once', async () => {
    const before = await summary();
    const timestamp = new Date(Date.now() - 3_600_000).toISOString();
    const sentAt = new Date().toISOString();
    const m = { ...message('replay', 1), timestamp, sentAt };
    await sendAll([[m]], 1);
    // The same message with a sentAt three days older: skew correction gives it another time.
    const replay = { ...m, sentAt: new Date(Date.parse(sentAt) - 3 * 86_400_000).toISOString() };
    await sendAll([[replay], [replay]], 2);
    const after = await summary();
    expect(after.totalEvents - before.totalEvents).toBe(1);
  });
});
