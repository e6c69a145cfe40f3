/**
 * The client's bounds, as its README documents them: a full queue drops by its overflow policy and
 * says so through onDrop, message by message; what it kept arrives exactly once when Tally answers
 * again. Oversized and invalid calls are dropped at once; retries stop at maxRetries; close()
 * gives up after its timeout. A throwing onDrop breaks nothing.
 */
import { describe, expect, it, vi } from 'vitest';
import { type Dropped, Tally, type TallyOptions } from '../../client/src/index.ts';
import { BoundedQueue, type Entry } from '../../client/src/queue.ts';
import { projectKey, storedEvents } from '../helpers/project.ts';
import { useTwin } from '../helpers/twin.ts';

const twin = useTwin('client-queue');
const proxy = () => twin.proxy();

async function setup(project: string, options: Partial<TallyOptions>) {
  const p = await proxy();
  const drops: Dropped[] = [];
  const tally = new Tally({
    writeKey: await projectKey(twin.stack, project),
    host: p.url,
    retryBaseMs: 5,
    flushIntervalMs: 60_000,
    onDrop: (d) => drops.push(...d),
    ...options,
  });
  return { p, tally, drops };
}

const ids = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `q-${from + i}`);
const storedIds = async (project: string) =>
  (await storedEvents(twin.stack, project)).map((e) => e.messageId).sort();

/** 10 messages in a request Tally does not answer yet, then 150 more into a queue of 100. */
async function overflow(project: string, policy: 'drop-newest' | 'drop-oldest') {
  const { p, tally, drops } = await setup(project, {
    flushAt: 10,
    maxInFlight: 1,
    maxQueueEvents: 100,
    overflow: policy,
  });
  p.faults = ['hold'];
  for (const messageId of ids(0, 10)) tally.track({ userId: 'u1', event: 'Tick', messageId });
  await expect.poll(() => p.held()).toBe(1);
  for (const messageId of ids(10, 160)) tally.track({ userId: 'u1', event: 'Tick', messageId });
  return { p, tally, drops };
}

describe('a full queue', () => {
  it('drop-newest: refuses what does not fit, reports exactly that, delivers the rest', async () => {
    const { p, tally, drops } = await overflow('drop-newest', 'drop-newest');
    expect(drops.map((d) => d.message.messageId)).toEqual(ids(110, 160));
    expect(new Set(drops.map((d) => d.reason))).toEqual(new Set(['queue_full']));
    expect(drops[0]?.detail).toMatch(/100 messages/);
    expect(tally.stats()).toMatchObject({ queued: 100, inFlight: 10, dropped: { queue_full: 50 } });

    p.release();
    await tally.close();
    expect(await storedIds('drop-newest')).toEqual(ids(0, 110).sort());
    expect(tally.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 110 });
  });

  it('drop-oldest: drops the oldest waiting (never what is in flight) to take the new', async () => {
    const { p, tally, drops } = await overflow('drop-oldest', 'drop-oldest');
    expect(drops.map((d) => d.message.messageId)).toEqual(ids(10, 60));
    p.release();
    await tally.close();
    expect(await storedIds('drop-oldest')).toEqual([...ids(0, 10), ...ids(60, 160)].sort());
  });

  it('is bounded in bytes too', async () => {
    const { p, tally, drops } = await setup('by-bytes', {
      flushAt: 5,
      maxInFlight: 1,
      maxQueueBytes: 20_000,
    });
    p.faults = ['hold'];
    const pad = 'b'.repeat(1000);
    for (const messageId of ids(0, 5))
      tally.track({ userId: 'u1', event: 'Pad', properties: { pad }, messageId });
    await expect.poll(() => p.held()).toBe(1);
    for (const messageId of ids(5, 60))
      tally.track({ userId: 'u1', event: 'Pad', properties: { pad }, messageId });
    const { queued, queuedBytes } = tally.stats();
    expect(queuedBytes).toBeLessThanOrEqual(20_000);
    // The first message refused would not have fitted.
    expect(queuedBytes + JSON.stringify(drops[0]?.message).length).toBeGreaterThan(20_000);
    expect(drops.map((d) => d.message.messageId)).toEqual(ids(5 + queued, 60));

    p.release();
    await tally.close();
    expect(await storedIds('by-bytes')).toEqual(ids(0, 5 + queued).sort());
  });
});

describe('calls that cannot be sent', () => {
  it('are dropped at once, with why, and never reach Tally', async () => {
    const { p, tally, drops } = await setup('unsendable', {});
    tally.track({
      userId: 'u1',
      event: 'Big',
      properties: { blob: 'x'.repeat(33_000) },
      messageId: 'big',
    });
    tally.identify({ traits: { plan: 'pro' } });
    tally.message({ messageId: 'm1' } as never);
    tally.apiUsage({ endpoint: '/x', method: 'GET', statusCode: 99 });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    tally.track({ userId: 'u1', event: 'Loop', properties: circular });
    tally.track({ userId: 'u1', event: '  ' });
    tally.track({ userId: 'u1', event: 'Fine', messageId: 'fine' });
    await tally.close();

    expect(drops.map((d) => [d.reason, d.detail])).toEqual([
      ['too_large', expect.stringMatching(/^message is 33\d{3} bytes; the limit is 32768$/)],
      ['invalid', 'userId or anonymousId is required'],
      ['invalid', 'conversationId is required'],
      ['invalid', 'statusCode must be an integer between 100 and 599'],
      ['invalid', expect.stringMatching(/^not serializable/)],
      ['invalid', 'event is required'],
    ]);
    expect(drops[0]?.message.messageId).toBe('big');
    expect(p.requests.flatMap((r) => r.messageIds)).toEqual(['fine']);
    expect(await storedIds('unsendable')).toEqual(['fine']);
  });
});

describe('giving up', () => {
  it('stops after maxRetries + 1 attempts and drops the batch as retries_exhausted', async () => {
    const { p, tally, drops } = await setup('exhausted', { maxRetries: 3 });
    p.policy = () => ({ status: 503, retryAfter: '0' });
    tally.track({ userId: 'u1', event: 'Tick', messageId: 'x-1' });
    await tally.close();
    expect(p.requests).toHaveLength(4);
    expect(drops.map((d) => [d.reason, d.message.messageId, d.detail])).toEqual([
      ['retries_exhausted', 'x-1', 'HTTP 503: injected'],
    ]);
    expect(tally.stats()).toMatchObject({ requests: 4, retries: 3 });
  });

  it('close() past its timeout aborts, drops what is undelivered as closed, and returns', async () => {
    const { p, tally, drops } = await setup('close-timeout', { flushAt: 5, maxInFlight: 1 });
    p.policy = () => 'hang';
    for (const messageId of ids(0, 12)) tally.track({ userId: 'u1', event: 'Tick', messageId });
    await tally.close({ timeoutMs: 300 });
    expect(drops.map((d) => d.message.messageId).sort()).toEqual(ids(0, 12).sort());
    expect(new Set(drops.map((d) => d.reason))).toEqual(new Set(['closed']));
    expect(tally.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 0 });
  });

  it('flush() past its timeout answers false and keeps the messages for later', async () => {
    const { p, tally, drops } = await setup('flush-timeout', {});
    p.faults = ['hold'];
    tally.track({ userId: 'u1', event: 'Tick', messageId: 'later' });
    expect(await tally.flush({ timeoutMs: 200 })).toBe(false);
    expect(tally.stats()).toMatchObject({ inFlight: 1, delivered: 0 });
    p.release();
    expect(await tally.flush()).toBe(true);
    await tally.close();
    expect(drops).toEqual([]);
    expect(await storedIds('flush-timeout')).toEqual(['later']);
  });
});

describe('onDrop', () => {
  it('may throw: the caller and the delivery loop carry on', async () => {
    const p = await proxy();
    const tally = new Tally({
      writeKey: await projectKey(twin.stack, 'throwing-ondrop'),
      host: p.url,
      onDrop: () => {
        throw new Error('callback broken');
      },
    });
    expect(() =>
      tally.track({ userId: 'u1', event: 'Big', properties: { blob: 'x'.repeat(40_000) } }),
    ).not.toThrow();
    tally.track({ userId: 'u1', event: 'Fine', messageId: 'fine' });
    await tally.close();
    expect(tally.stats()).toMatchObject({ delivered: 1, dropped: { too_large: 1 } });
  });

  it('defaults to one console warning per drop', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const tally = new Tally({ writeKey: 'tk_x', host: 'http://127.0.0.1:9' });
      tally.identify({ traits: {} });
      await tally.close({ timeoutMs: 10 });
      expect(warn.mock.calls).toEqual([
        ['[@tally/client] dropped 1 message(s) (invalid): userId or anonymousId is required'],
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('BoundedQueue.take', () => {
  it('takes in order what fits, with its size joined by commas, and keeps count and bytes exact', () => {
    const q = new BoundedQueue(100_000, 1e9, 'drop-newest');
    const kept: Entry[] = [];
    let seq = 0;
    // Enough takes to pass the lane's compaction (over 1,024 taken), sizes varying.
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 60; i++) {
        const json = `"${'x'.repeat((seq * 7) % 50)}"`;
        const entry: Entry = { json, bytes: json.length, seq: ++seq, route: 'events' };
        expect(q.add(entry)).toEqual([]);
        kept.push(entry);
      }
      const { entries, joinedBytes } = q.take('events', 50, 600);
      expect(entries.length).toBeGreaterThan(0);
      expect(entries).toEqual(kept.slice(0, entries.length));
      expect(joinedBytes).toBe(entries.map((e) => e.json).join(',').length);
      expect(joinedBytes).toBeLessThanOrEqual(600);
      // The next one would not have fitted (or the count was reached).
      const next = kept[entries.length];
      if (entries.length < 50 && next) expect(joinedBytes + 1 + next.bytes).toBeGreaterThan(600);
      kept.splice(0, entries.length);
      expect(q.count).toBe(kept.length);
      expect(q.bytes).toBe(kept.reduce((sum, e) => sum + e.bytes, 0));
    }
    // One message larger than maxBytes is still taken alone, and the queue empties.
    q.add({ json: 'y'.repeat(700), bytes: 700, seq: ++seq, route: 'events' });
    q.take('events', q.count - 1, 1e9);
    expect(q.take('events', 500, 600).entries.map((e) => e.bytes)).toEqual([700]);
    expect([q.count, q.bytes]).toEqual([0, 0]);
  });
});

describe('BoundedQueue.add', () => {
  it('drop-oldest refuses alone a message the empty queue could not hold, keeping the others', () => {
    const q = new BoundedQueue(10, 1000, 'drop-oldest');
    const entry = (seq: number, bytes: number): Entry => ({
      json: 'x'.repeat(bytes),
      bytes,
      seq,
      route: 'events',
    });
    q.add(entry(1, 300));
    q.add(entry(2, 300));
    const huge = entry(3, 2000);
    expect(q.add(huge)).toEqual([huge]);
    expect([q.count, q.bytes]).toEqual([2, 600]);
    // One that fits once the oldest is gone pushes out exactly that one.
    expect(q.add(entry(4, 600)).map((e) => e.seq)).toEqual([1]);
    expect([q.count, q.bytes]).toEqual([2, 900]);
  });
});
