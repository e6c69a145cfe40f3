/**
 * Ingest makes progress on a table too slow for its groups: a delivery that runs out of time
 * shrinks the groups of the next (groupEventsFor), and records an invocation did not reach are
 * sent back as new messages instead of spending a receive. Without both, a backlog of
 * 1,000-event invocations on a loaded table timed out on every delivery and went to the
 * dead-letter queue (issue 9). The table here is DynamoDB Local; only its speed is modelled: a
 * clock that every request moves forward by what it would take on a slow table.
 */
import type { SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { rawEventPartition } from '../../../lambdas/contract/keys.ts';
import { GROUP_EVENTS, groupEventsFor, groupsOf, ingest } from '../../../lambdas/ingest/ingest.ts';
import { readTotals } from '../../../lambdas/store/counters.ts';
import { ingestDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../helpers/events.ts';

let t: TestTable;
beforeEach(async () => {
  t = await createTestTable();
});

/** Modelled time a request takes: a fixed cost plus a cost per item it reads or writes. */
const PER_REQUEST_MS = 30;
const PER_ITEM_MS = 20;
const LIFETIME_MS = 30_000;

interface Input {
  RequestItems?: Record<string, unknown[] | { Keys: unknown[] }>;
  TransactItems?: unknown[];
}
const itemsOf = (input: Input) => {
  if (input.TransactItems) return input.TransactItems.length;
  let n = 0;
  for (const v of Object.values(input.RequestItems ?? {}))
    n += Array.isArray(v) ? v.length : v.Keys.length;
  return n;
};

/** An SQS queue in front of ingest, as Lambda's event source runs it: 10 records a receive. */
function queueOf(records: SQSRecord[]) {
  const waiting = records.map((r) => ({ r, receives: 0 }));
  return {
    waiting,
    /** Takes the next receive's records, each with its receive count moved on. */
    receive() {
      return waiting.splice(0, 10).map((m) => {
        m.receives++;
        const r = {
          ...m.r,
          attributes: { ...m.r.attributes, ApproximateReceiveCount: String(m.receives) },
        };
        return { m, r };
      });
    },
  };
}

describe('ingest on a slow table', () => {
  it('sizes groups by receive count, and runs records delivered most often first', () => {
    expect([1, 2, 3, 4, 5, 9].map(groupEventsFor)).toEqual([1000, 250, 62, 15, 3, 1]);
    const c = (recordId: string, receives: number, n: number) =>
      Array.from({ length: n }, () => ({ recordId, receives }));
    // 300 events in records of 100; record b was delivered twice: groups of 250, b first.
    const groups = groupsOf([...c('a', 1, 100), ...c('b', 2, 100), ...c('c', 1, 100)]);
    expect(groups.map((g) => [...new Set(g.map((x) => x.recordId))])).toEqual([['b', 'a', 'c']]);
    // Redelivered records are cut at the group size (62 after 3 deliveries); a record on its
    // first delivery is not.
    const small = groupsOf([...c('a', 3, 40), ...c('b', 3, 40), ...c('c', 1, 40)]);
    expect(small.map((g) => g.length)).toEqual([62, 58]);
    expect(small.flat().map((x) => x.recordId)).toEqual(
      [...c('a', 3, 40), ...c('b', 3, 40), ...c('c', 1, 40)].map((x) => x.recordId),
    );
  });

  /** Runs `records` through ingest on the slow table, as SQS and Lambda would, until drained. */
  async function drain(records: SQSRecord[], firstFails: number) {
    let clock = Date.parse('2026-11-22T12:00:00Z');
    const slow = Object.create(t.ddb) as typeof t.ddb;
    slow.send = (async (command: { input: Input }) => {
      clock += PER_REQUEST_MS + PER_ITEM_MS * itemsOf(command.input);
      return t.ddb.send(command as never);
    }) as typeof t.ddb.send;
    const queue = queueOf(records);
    const deadLetters: string[] = [];
    let requeued = 0;
    let failedDeliveries = 0;
    const deps = {
      ...ingestDeps(t, () => clock),
      ddb: slow,
      lifetimeMs: LIFETIME_MS,
      deadLetter: async (r: SQSRecord, reason: string) => {
        deadLetters.push(`${r.messageId}: ${reason}`);
      },
      requeue: async (r: SQSRecord) => {
        requeued++;
        queue.waiting.push({ r: { ...r, messageId: `${r.messageId}'` }, receives: 0 });
      },
    };

    for (let round = 0; queue.waiting.length && round < 100; round++) {
      const taken = queue.receive();
      const res = await ingest(
        deps,
        taken.map((x) => x.r),
      );
      // A fresh invocation: its lifetime starts at the clock's next reading.
      clock += 1;
      const failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
      if (round === 0) {
        // The fault is real: the first delivery, one group of 1,000 events or more, cannot finish
        // in a lifetime on this table, so the same fixed-size group would fail on every delivery.
        expect(groupEventsFor(1)).toBe(GROUP_EVENTS);
        expect(failed.size).toBe(firstFails);
      }
      if (failed.size) failedDeliveries++;
      for (const { m, r } of taken) if (failed.has(r.messageId)) queue.waiting.push(m);
    }
    expect(queue.waiting).toEqual([]);
    expect(deadLetters).toEqual([]);
    expect(failedDeliveries).toBeGreaterThan(0);
    let raw = 0;
    for (let s = 0; s < t.storage.eventShards; s++)
      raw += (await t.query(rawEventPartition('p1', s))).length;
    return { requeued, raw, totals: await readTotals(t.ddb, t.tableName, 'p1') };
  }

  it('stores and counts a backlog of 1,000-event deliveries exactly once, none dead-lettered', async () => {
    // 30 records of 100 events (the requests of a client sending batches of 100), 3,000 events.
    const records = Array.from({ length: 30 }, (_, b) =>
      sqsRecord(
        Array.from({ length: 100 }, (_, j) =>
          tallyEvent({ messageId: `m-${b}-${j}`, userId: `u${(b * 100 + j) % 70}` }),
        ),
      ),
    );
    const { requeued, raw, totals } = await drain(records, 10);
    expect(requeued).toBeGreaterThan(0);
    expect(totals.events).toBe(3000);
    expect(totals.newUsers).toBe(70);
    expect(raw).toBe(3000);
  });

  it('stores one record too large for a lifetime in parts once it is redelivered, and counts it once', async () => {
    // One request of 1,500 events is one SQS record: kept whole, it would fail every delivery
    // and go to the dead-letter queue (seen through npm start on a loaded machine).
    const record = sqsRecord(
      Array.from({ length: 1500 }, (_, j) =>
        tallyEvent({ messageId: `big-${j}`, userId: `u${j % 70}` }),
      ),
    );
    const { raw, totals } = await drain([record], 1);
    expect(totals.events).toBe(1500);
    expect(totals.newUsers).toBe(70);
    expect(raw).toBe(1500);
  });
});
