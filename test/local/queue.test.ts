import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type DeadLetter, LocalQueue } from '../../local/queue.ts';

describe('local queue', () => {
  it('delivers in SQS-shaped batches of at most batchSize', async () => {
    const batches: SQSEvent[] = [];
    const q = new LocalQueue({
      name: 'q',
      batchSize: 3,
      handler: async (e) => {
        batches.push(e);
        return { batchItemFailures: [] };
      },
      deadLetter: () => undefined,
    });
    for (let i = 0; i < 7; i++) q.send(`m${i}`);
    await q.idle();
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
    const q = new LocalQueue({
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
    q.send('good');
    q.send('poison');
    await q.idle();
    expect(seen).toEqual({ good: 1, poison: 3 });
    expect(letters).toHaveLength(1);
    expect(letters[0]?.message.body).toBe('poison');
    expect(letters[0]?.reason).toMatch(/reported the record as failed \(3 receives\)/);
  });

  it('retries a whole batch when the handler throws', async () => {
    let calls = 0;
    const q = new LocalQueue({
      name: 'q',
      retryDelayMs: () => 1,
      handler: async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return { batchItemFailures: [] };
      },
      deadLetter: () => undefined,
    });
    q.send('a');
    await q.idle();
    expect(calls).toBe(2);
  });

  it('hands back undelivered messages on stop', async () => {
    const q = new LocalQueue({
      name: 'q',
      batchWindowMs: 10_000,
      handler: async () => undefined,
      deadLetter: () => undefined,
    });
    q.send('x');
    q.send('y');
    const rest = await q.stop();
    expect(rest.map((m) => m.body)).toEqual(['x', 'y']);
  });
});
