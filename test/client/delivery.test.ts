/**
 * The client against the local twin, through a proxy that fails requests the way networks do:
 * every event arrives exactly once (retries of 503/429/dropped connections, concurrent clients
 * resending the same events), batches are cut by count, bytes and time, shutdown sends
 * everything, and what Tally refuses is handed to onDrop with Tally's reasons.
 */
import { describe, expect, it } from 'vitest';
import { type Dropped, Tally, type TallyOptions } from '../../client/src/index.ts';
import { occurrences, projectKey, storedEvents, summary } from '../helpers/project.ts';
import { useTwin } from '../helpers/twin.ts';

const twin = useTwin('client-delivery');

/**
 * A proxy in front of the twin. A connection it drops after forwarding is dropped as soon as Tally
 * has answered, so the resend races its original through ingest.
 */
const proxy = () => twin.proxy();

/** A client with quick retries that records what it drops. */
function client(options: Partial<TallyOptions> & { writeKey: string; host: string }) {
  const drops: Dropped[] = [];
  const tally = new Tally({
    retryBaseMs: 5,
    retryMaxMs: 2000,
    onDrop: (d) => drops.push(...d),
    ...options,
  });
  return { tally, drops };
}

/** The messageIds Tally holds for the project, each as often as it is stored. */
async function storedIds(project: string): Promise<string[]> {
  return (await storedEvents(twin.stack, project)).map((e) => e.messageId).sort();
}

describe('exactly once through failures', () => {
  it('stores every event once through 503s, a 429 with Retry-After and dropped connections', async () => {
    const project = 'faults';
    const p = await proxy();
    p.faults = [
      { status: 503 },
      { status: 429, retryAfter: '1' },
      'drop',
      'drop-after-forward',
      { status: 502 },
      'drop-after-forward',
      'drop-after-forward',
    ];
    const { tally, drops } = client({
      writeKey: await projectKey(twin.stack, project),
      host: p.url,
      flushAt: 40,
      maxInFlight: 2,
    });
    const sent: string[] = [];
    for (let i = 0; i < 300; i++) {
      const messageId = `ev-${i}`;
      sent.push(messageId);
      const userId = `u${i % 7}`;
      // Calls of both routes: identified ones go to /v1/batch, anonymous API calls to /v1/events/bulk.
      if (i % 10 === 0) {
        tally.apiUsage({ endpoint: '/users/:id', method: 'GET', statusCode: 200, messageId });
      } else if (i % 10 === 1) {
        tally.identify({ userId, traits: { plan: 'pro' }, messageId });
      } else {
        tally.track({ userId, event: 'Clicked', properties: { i }, messageId });
      }
    }
    await tally.close();

    expect(drops).toEqual([]);
    expect(await storedIds(project)).toEqual([...sent].sort());
    expect((await summary(twin.stack, project)).totalEvents).toBe(300);

    // Every fault was met, and the batches Tally took whose answer was lost were sent again.
    expect(p.requests.map((r) => r.fault).slice(0, 7)).toEqual([
      'status 503',
      'status 429',
      'drop',
      'drop-after-forward',
      'status 502',
      'drop-after-forward',
      'drop-after-forward',
    ]);
    const lost = p.requests.filter((r) => r.fault === 'drop-after-forward');
    for (const r of lost) {
      const resent = p.requests.filter(
        (later) => later.at >= r.at && later !== r && later.messageIds[0] === r.messageIds[0],
      );
      expect(resent.map((x) => x.answered)).toContain(200);
    }
    expect(new Set(p.requests.map((r) => r.path))).toEqual(
      new Set(['/v1/batch', '/v1/events/bulk']),
    );

    // The batch answered 429 with Retry-After: 1 came back no sooner than a second later.
    const limited = p.requests.find((r) => r.fault === 'status 429');
    const again = p.requests.find(
      (r) =>
        r !== limited && r.messageIds[0] === limited?.messageIds[0] && r.at >= (limited?.at ?? 0),
    );
    expect((again?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(tally.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 300 });
  });

  it('counts each event once when concurrent clients resend the same events through random faults', async () => {
    const project = 'concurrent';
    const p = await proxy();
    let seed = 12345;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    p.faults = ['drop-after-forward', { status: 503 }, 'drop', { status: 429, retryAfter: '0' }];
    p.policy = () => {
      const r = rand();
      if (r < 0.15) return { status: 503 };
      if (r < 0.25) return 'drop';
      if (r < 0.4) return 'drop-after-forward';
      if (r < 0.45) return { status: 429, retryAfter: '0' };
      return 'pass';
    };
    const writeKey = await projectKey(twin.stack, project);
    const clients = [0, 1, 2].map(() =>
      client({ writeKey, host: p.url, flushAt: 25, maxInFlight: 3, retryMaxMs: 50 }),
    );
    const [a, b, c] = clients.map((x) => x.tally) as [Tally, Tally, Tally];
    const expected = new Set<string>();
    for (let i = 0; i < 200; i++) {
      // a sends e-0…e-199 and b e-100…e-299 at the same time: a service resending what it is
      // unsure of from another instance, while the first copies are still in flight.
      a.track({ userId: `u${i % 9}`, event: 'Viewed', messageId: `e-${i}` });
      b.track({ userId: `u${i % 9}`, event: 'Viewed', messageId: `e-${i + 100}` });
      expected.add(`e-${i}`).add(`e-${i + 100}`);
      if (i < 150) {
        c.message({ messageId: i, conversationId: 'conv-7', userId: 'u1', tokens: 10 });
        expected.add(`message.sent:conv-7:${i}`);
      } else {
        c.apiUsage({ endpoint: '/items', method: 'POST', statusCode: 201, messageId: `api-${i}` });
        expected.add(`api-${i}`);
      }
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all([a.close(), b.close(), c.close()]);

    expect(clients.flatMap((x) => x.drops)).toEqual([]);
    expect(await storedIds(project)).toEqual([...expected].sort());
    const totals = await summary(twin.stack, project);
    expect(totals).toMatchObject({ totalEvents: 500, totalMessages: 150, totalTokens: 1500 });
    // The same messageIds did reach Tally more than once.
    const forwarded = p.requests.filter(
      (r) => r.fault === 'pass' || r.fault === 'drop-after-forward',
    );
    const copies = [...occurrences(forwarded.flatMap((r) => r.messageIds)).values()];
    expect(copies.some((n) => n > 1)).toBe(true);
  });
});

describe('batching', () => {
  it('sends at flushAt messages, and the rest when flushed', async () => {
    const p = await proxy();
    const { tally } = client({
      writeKey: await projectKey(twin.stack, 'by-count'),
      host: p.url,
      flushAt: 10,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 25; i++) tally.track({ userId: 'u1', event: 'Tick', messageId: `c-${i}` });
    await expect.poll(() => p.requests.length).toBe(2);
    expect(p.requests.map((r) => r.messageIds.length)).toEqual([10, 10]);
    expect(tally.stats().queued).toBe(5);
    expect(await tally.flush()).toBe(true);
    expect(p.requests.map((r) => r.messageIds.length)).toEqual([10, 10, 5]);
    expect((await summary(twin.stack, 'by-count')).totalEvents).toBe(25);
    await tally.close();
  });

  it('sends what waits when flushIntervalMs has passed, without a flush', async () => {
    const p = await proxy();
    const { tally } = client({
      writeKey: await projectKey(twin.stack, 'by-time'),
      host: p.url,
      flushAt: 1000,
      flushIntervalMs: 100,
    });
    for (let i = 0; i < 3; i++) tally.track({ userId: 'u1', event: 'Tick' });
    expect(p.requests).toHaveLength(0);
    await expect.poll(() => p.requests.map((r) => r.messageIds.length)).toEqual([3]);
    await expect.poll(() => tally.stats().delivered).toBe(3);
    await tally.close();
  });

  it('keeps every request under maxBatchBytes, and under Tally’s 500 KB by default', async () => {
    const p = await proxy();
    const writeKey = await projectKey(twin.stack, 'by-bytes');
    const small = client({ writeKey, host: p.url, maxBatchBytes: 20_000, flushAt: 2500 });
    for (let i = 0; i < 40; i++) {
      small.tally.track({ userId: 'u1', event: 'Blob', properties: { blob: 'x'.repeat(1900) } });
    }
    await small.tally.close();
    expect(p.requests.length).toBeGreaterThanOrEqual(4);
    for (const r of p.requests) expect(r.bytes).toBeLessThanOrEqual(20_000);

    const before = p.requests.length;
    const big = client({ writeKey, host: p.url, flushAt: 2500 });
    // 60 events of 28 KB (strings stay under Tally's 8,192 characters): 1.7 MB, 17 per request.
    const blob = 'y'.repeat(7000);
    for (let i = 0; i < 60; i++) {
      big.tally.track({
        userId: 'u2',
        event: 'Blob',
        properties: { a: blob, b: blob, c: blob, d: blob },
      });
    }
    await big.tally.close();
    const requests = p.requests.slice(before);
    expect(requests.length).toBeGreaterThanOrEqual(4);
    for (const r of requests) {
      expect(r.bytes).toBeLessThanOrEqual(500_000);
      expect(r.answered).toBe(200);
    }
    expect([...small.drops, ...big.drops]).toEqual([]);
    expect((await summary(twin.stack, 'by-bytes')).totalEvents).toBe(100);
  });

  it('splits a batch a stricter gateway refuses with 413 until every event gets through', async () => {
    const p = await proxy();
    p.policy = (seen) => (seen.bytes > 4000 ? { status: 413 } : 'pass');
    const { tally, drops } = client({
      writeKey: await projectKey(twin.stack, 'split'),
      host: p.url,
    });
    for (let i = 0; i < 100; i++) tally.track({ userId: 'u1', event: 'Tick', messageId: `s-${i}` });
    await tally.close();
    expect(drops).toEqual([]);
    expect(p.requests.filter((r) => r.answered === 413).length).toBeGreaterThan(0);
    expect(await storedIds('split')).toEqual(
      Array.from({ length: 100 }, (_, i) => `s-${i}`).sort(),
    );
  });
});

describe('shutdown', () => {
  it('close() sends every partial batch; calls after it are dropped as closed', async () => {
    const { tally, drops } = client({
      writeKey: await projectKey(twin.stack, 'shutdown'),
      host: twin.stack.baseUrl,
      flushAt: 2500,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 1234; i++) {
      if (i % 4 === 0) tally.apiUsage({ endpoint: '/x', method: 'GET', statusCode: 200 });
      else tally.track({ userId: `u${i % 13}`, event: 'Tick' });
    }
    expect(tally.stats()).toMatchObject({ queued: 1234, inFlight: 0, delivered: 0 });
    await tally.close();
    expect(tally.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 1234 });
    expect((await summary(twin.stack, 'shutdown')).totalEvents).toBe(1234);

    tally.track({ userId: 'u1', event: 'Late', messageId: 'late' });
    expect(drops).toEqual([
      {
        reason: 'closed',
        message: expect.objectContaining({ messageId: 'late' }),
        detail: expect.any(String),
      },
    ]);
  });
});

describe('what Tally refuses', () => {
  it('hands the items a 207 or 400 report names to onDrop with Tally’s reasons', async () => {
    const project = 'rejections';
    const { tally, drops } = client({
      writeKey: await projectKey(twin.stack, project),
      host: twin.stack.baseUrl,
    });
    const tooLong = 'z'.repeat(9000);
    tally.track({ userId: 'u1', event: 'Ok', messageId: 'ok-1' });
    tally.track({ userId: 'u1', event: 'Bad', properties: { note: tooLong }, messageId: 'bad-1' });
    tally.track({ userId: 'u1', event: 'Ok', messageId: 'ok-2' });
    await tally.flush();
    // A request of nothing but bad items: Tally answers 400, and still names each one.
    tally.track({ userId: 'u1', event: 'Bad', properties: { note: tooLong }, messageId: 'bad-2' });
    tally.track({ userId: 'u1', event: 'Bad', properties: { deep: nest(12) }, messageId: 'bad-3' });
    await tally.close();

    expect(drops.map((d) => [d.reason, d.code, d.message.messageId])).toEqual([
      ['rejected', 'invalid', 'bad-1'],
      ['rejected', 'invalid', 'bad-2'],
      ['rejected', 'invalid', 'bad-3'],
    ]);
    expect(drops[0]?.detail).toMatch(/longer than 8192/);
    expect(drops[2]?.detail).toMatch(/deeper than 10/);
    expect(await storedIds(project)).toEqual(['ok-1', 'ok-2']);
    expect(tally.stats()).toMatchObject({ delivered: 2, dropped: { rejected: 3 } });
  });

  it('does not retry a 401: the batch is dropped as refused after one request', async () => {
    const p = await proxy();
    const { tally, drops } = client({ writeKey: 'tk_not_a_key', host: p.url });
    tally.track({ userId: 'u1', event: 'Tick' });
    tally.identify({ userId: 'u1', traits: {} });
    await tally.close();
    expect(p.requests.map((r) => r.answered)).toEqual([401]);
    expect(drops.map((d) => d.reason)).toEqual(['refused', 'refused']);
    expect(drops[0]?.detail).toMatch(/^HTTP 401/);
  });
});

describe('gzip', () => {
  it('against this Tally: the compressed request is taken, or refused and sent again uncompressed', async () => {
    const project = 'gzip';
    const p = await proxy();
    const { tally, drops } = client({
      writeKey: await projectKey(twin.stack, project),
      host: p.url,
      gzip: true,
      gzipMinBytes: 0,
      flushAt: 50,
      maxInFlight: 1,
    });
    for (let i = 0; i < 100; i++) tally.track({ userId: 'u1', event: 'Zip', messageId: `z-${i}` });
    await tally.close();
    expect(drops).toEqual([]);
    expect(await storedIds(project)).toEqual(
      Array.from({ length: 100 }, (_, i) => `z-${i}`).sort(),
    );

    const [first, second] = p.requests;
    expect(first?.encoding).toBe('gzip');
    // Today Tally reads no Content-Encoding (issue 11 adds it); either answer must end the same way.
    if (first?.answered === 200) {
      expect(tally.stats().gzip).toBe(true);
    } else {
      expect([400, 415]).toContain(first?.answered);
      expect(second).toMatchObject({
        encoding: undefined,
        messageIds: first?.messageIds,
        answered: 200,
      });
      expect(tally.stats().gzip).toBe(false);
    }
  });

  it('falls back to plain JSON for good when a server answers 415 to gzip', async () => {
    const p = await proxy();
    p.policy = (seen) => (seen.encoding === 'gzip' ? { status: 415 } : 'pass');
    const { tally, drops } = client({
      writeKey: await projectKey(twin.stack, 'gzip-415'),
      host: p.url,
      gzip: true,
      flushAt: 30,
      maxInFlight: 1,
    });
    for (let i = 0; i < 90; i++) {
      tally.track({ userId: 'u1', event: 'Zip', properties: { pad: 'p'.repeat(100) } });
    }
    await tally.close();
    expect(drops).toEqual([]);
    expect(p.requests.map((r) => [r.encoding ?? 'none', r.answered])).toEqual([
      ['gzip', 415],
      ['none', 200],
      ['none', 200],
      ['none', 200],
    ]);
    expect(tally.stats()).toMatchObject({ gzip: false, delivered: 90, retries: 0 });
    expect((await summary(twin.stack, 'gzip-415')).totalEvents).toBe(90);
  });
});

function nest(depth: number): Record<string, unknown> {
  return depth === 0 ? { leaf: true } : { next: nest(depth - 1) };
}
