import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { Journal, replay } from '../../local/journal.ts';
import {
  BacklogFullError,
  DEFAULT_MAX_BACKLOG,
  type DeadLetter,
  LocalQueue,
  type LocalQueueOptions,
  parseMaxBacklog,
} from '../../local/queue.ts';

const journalDir = () => mkdtempSync(join(tmpdir(), 'tally-queue-'));

/** A started queue on a fresh journal. */
async function queue(options: Omit<LocalQueueOptions, 'journal'>, dir = journalDir()) {
  const q = new LocalQueue({ ...options, journal: await Journal.open({ dir }) });
  q.start();
  return q;
}

describe('local queue', () => {
  it('delivers in SQS-shaped batches of at most batchSize', async () => {
    const batches: SQSEvent[] = [];
    const q = await queue({
      name: 'q',
      batchSize: 3,
      handler: async (e) => {
        batches.push(e);
        return { batchItemFailures: [] };
      },
      deadLetter: () => undefined,
    });
    await Promise.all(Array.from({ length: 7 }, (_, i) => q.send(`m${i}`)));
    await q.idle();
    await q.stop();
    expect(batches.map((b) => b.Records.length).sort()).toEqual([1, 3, 3]);
    const record = batches[0]?.Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(batches.flatMap((b) => b.Records.map((r) => r.body)).sort()).toEqual([
      'm0',
      'm1',
      'm2',
      'm3',
      'm4',
      'm5',
      'm6',
    ]);
  });

  it('retries only the records reported failed, then dead-letters them with a reason', async () => {
    const seen: Record<string, number> = {};
    const letters: DeadLetter[] = [];
    const q = await queue({
      name: 'q',
      maxReceiveCount: 3,
      retryDelayMs: () => 1,
      handler: async (e) => {
        for (const r of e.Records) seen[r.body] = (seen[r.body] ?? 0) + 1;
        return {
          batchItemFailures: e.Records.filter((r) => r.body === 'poison').map((r) => ({
            itemIdentifier: r.messageId,
          })),
        };
      },
      deadLetter: (l) => letters.push(l),
    });
    await Promise.all([q.send('good'), q.send('poison')]);
    await q.idle();
    await q.stop();
    expect(seen).toEqual({ good: 1, poison: 3 });
    expect(letters).toHaveLength(1);
    expect(letters[0]?.message.body).toBe('poison');
    expect(letters[0]?.reason).toMatch(/reported the record as failed \(3 receives\)/);
  });

  it('retries a whole batch when the handler throws', async () => {
    let calls = 0;
    const q = await queue({
      name: 'q',
      retryDelayMs: () => 1,
      handler: async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return { batchItemFailures: [] };
      },
      deadLetter: () => undefined,
    });
    await q.send('a');
    await q.idle();
    await q.stop();
    expect(calls).toBe(2);
  });

  it('keeps undelivered messages in the journal on stop, and the next start delivers them', async () => {
    const dir = journalDir();
    const first = await queue(
      { name: 'q', batchWindowMs: 10_000, handler: async () => undefined, deadLetter: () => {} },
      dir,
    );
    await first.send('x');
    await first.send('y');
    expect(await first.stop()).toBe(2);

    const bodies: string[] = [];
    const second = await queue(
      {
        name: 'q',
        handler: async (e) => {
          bodies.push(...e.Records.map((r) => r.body));
          return { batchItemFailures: [] };
        },
        deadLetter: () => {},
      },
      dir,
    );
    await second.idle();
    expect(bodies).toEqual(['x', 'y']);
    await second.stop();
    // Delivered and acknowledged: nothing is left for a third start.
    expect(replay(dir).entries).toEqual([]);
  });

  it('is durable before send resolves: a message survives a process that dies right after', async () => {
    const dir = journalDir();
    const q = await queue(
      { name: 'q', batchWindowMs: 10_000, handler: async () => undefined, deadLetter: () => {} },
      dir,
    );
    const id = await q.send('kept');
    // Read the files before any stop, as a restarted process would.
    expect(replay(dir).entries).toEqual([
      { messageId: id, sentTimestamp: expect.any(Number), body: 'kept' },
    ]);
    await q.stop();
  });

  it('refuses past its backlog, before writing, and takes messages again once ingest caught up', async () => {
    const dir = journalDir();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const q = await queue(
      {
        name: 'q',
        maxBacklog: { entries: 3, bytes: DEFAULT_MAX_BACKLOG.bytes },
        batchWindowMs: 1,
        handler: async () => {
          await gate;
          return { batchItemFailures: [] };
        },
        deadLetter: () => {},
      },
      dir,
    );
    const sent = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((b) => q.send(b)));
    expect(sent.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
    expect((sent[3] as PromiseRejectedResult).reason).toBeInstanceOf(BacklogFullError);
    // In flight still counts: the handler has not finished with a, b, c.
    await expect(q.send('f')).rejects.toThrow(/queue is full \(3 messages/);
    expect(replay(dir).entries.map((e) => e.body)).toEqual(['a', 'b', 'c']);

    release();
    await q.idle();
    expect(q.backlog).toEqual({ entries: 0, bytes: 0 });
    await q.send('g');
    await q.idle();
    await q.stop();
  });

  it('bounds the backlog in bytes too', async () => {
    const q = await queue({
      name: 'q',
      maxBacklog: { entries: 1000, bytes: 1024 * 1024 },
      batchWindowMs: 10_000,
      handler: async () => undefined,
      deadLetter: () => {},
    });
    const big = 'x'.repeat(400 * 1024);
    await q.send(big);
    await q.send(big);
    await expect(q.send(big)).rejects.toBeInstanceOf(BacklogFullError);
    expect(q.backlog).toEqual({ entries: 2, bytes: 2 * big.length });
    await q.stop();
  });
});

describe('TALLY_LOCAL_MAX_BACKLOG', () => {
  it('reads a message count, a size, or both', () => {
    expect(parseMaxBacklog(undefined)).toEqual(DEFAULT_MAX_BACKLOG);
    expect(parseMaxBacklog('500')).toEqual({ ...DEFAULT_MAX_BACKLOG, entries: 500 });
    expect(parseMaxBacklog('16MiB')).toEqual({ ...DEFAULT_MAX_BACKLOG, bytes: 16 * 1024 ** 2 });
    expect(parseMaxBacklog('2000, 1 GiB')).toEqual({ entries: 2000, bytes: 1024 ** 3 });
  });

  it('fails loudly on a value it cannot read, or one too small for a single entry', () => {
    expect(() => parseMaxBacklog('lots')).toThrow(/TALLY_LOCAL_MAX_BACKLOG: "lots" is not/);
    expect(() => parseMaxBacklog('64MB')).toThrow(/is not a message count/);
    expect(() => parseMaxBacklog('100KiB')).toThrow(/too small/);
    expect(() => parseMaxBacklog('0')).toThrow(/too small/);
  });
});
