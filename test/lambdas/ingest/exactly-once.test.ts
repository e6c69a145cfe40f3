/**
 * Exactly once, against DynamoDB Local: whatever the faults — copies of one event in concurrent
 * invocations, redelivery, a crash before or after any DynamoDB call of an invocation, several
 * crashes in a row — the live figures end up exactly those of the same events ingested once,
 * with no rebuild. The reference is a clean ingest of the distinct events into another table;
 * the known totals are asserted too.
 */
import type { SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { period, rawEventPartition } from '../../../lambdas/contract/keys.ts';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import type { TallyEvent } from '../../../lambdas/model/events.ts';
import { readPeriod, readTotals } from '../../../lambdas/store/counters.ts';
import { readFactsSince } from '../../../lambdas/store/fact-log.ts';
import { ingestDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../helpers/events.ts';
import {
  type CrashMode,
  crashAt,
  jittered,
  seeded,
  stepped,
  watched,
} from '../../helpers/faults.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const DAYS = ['2026-11-20', '2026-11-21'];

/** A small realistic mix: users across two days, messages with tokens, an API error, identify. */
function dataset(n: number, prefix = 'e'): TallyEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const timestamp = `${DAYS[i % 2]}T1${i % 10}:0${i % 6}:00.000Z`;
    const userId = `u${i % 7}`;
    if (i % 11 === 0) {
      return tallyEvent({
        messageId: `${prefix}${i}`,
        type: 'identify',
        event: undefined,
        userId,
        timestamp,
        traits: { n: i },
      });
    }
    if (i % 3 === 0) {
      return tallyEvent({
        messageId: `${prefix}${i}`,
        userId,
        timestamp,
        event: 'message.sent',
        properties: { tokens: 10 + i, model: i % 2 ? 'gpt-4o' : 'claude', responseTimeMs: 100 + i },
      });
    }
    if (i % 5 === 0) {
      return tallyEvent({
        messageId: `${prefix}${i}`,
        userId,
        timestamp,
        event: 'api.request',
        properties: { endpoint: '/chat', method: 'POST', statusCode: i % 2 ? 500 : 200 },
      });
    }
    return tallyEvent({
      messageId: `${prefix}${i}`,
      anonymousId: `v${i % 4}`,
      userId: i % 2 ? userId : undefined,
      timestamp,
    });
  });
}

async function snapshot(t: TestTable, projectId = 'p1') {
  const days: Record<string, unknown> = {};
  const ids: string[] = [];
  for (const day of DAYS) {
    days[day] = (await readPeriod(t.ddb, t.tableName, projectId, period.day(day))).counters;
    ids.push(
      ...(await readFactsSince(t.ddb, t.tableName, projectId, day, undefined)).map((f) => f.id),
    );
  }
  let raw = 0;
  for (let s = 0; s < t.storage.eventShards; s++)
    raw += (await t.query(rawEventPartition(projectId, s))).length;
  return { totals: await readTotals(t.ddb, t.tableName, projectId), days, ids: ids.sort(), raw };
}

/** What the events add up to when each is ingested once, cleanly. */
async function reference(events: TallyEvent[]) {
  const ref = await createTestTable();
  const distinct = [...new Map(events.map((e) => [e.messageId, e])).values()];
  await ingest(ingestDeps(ref, NOW), [sqsRecord(distinct)]);
  return snapshot(ref);
}

const redelivered = (r: SQSRecord, receive: number): SQSRecord => ({
  ...r,
  attributes: { ...r.attributes, ApproximateReceiveCount: String(receive) },
});

let t: TestTable;
beforeEach(async () => {
  t = await createTestTable();
});

describe('concurrent copies', () => {
  it('counts every event once when each batch is sent three times to concurrent invocations', async () => {
    const events = dataset(600);
    const batches: TallyEvent[][] = [];
    for (let i = 0; i < events.length; i += 50) batches.push(events.slice(i, i + 50));
    // Every batch three times, as three records (three resent requests), shuffled into
    // invocations of 3 records, 12 at once, each call jittered so the invocations interleave.
    const random = seeded(7);
    const records = batches.flatMap((b) =>
      [0, 1, 2].map(() => sqsRecord(b.map((e) => ({ ...e })))),
    );
    records.sort(() => random() - 0.5);
    const invocations: SQSRecord[][] = [];
    for (let i = 0; i < records.length; i += 3) invocations.push(records.slice(i, i + 3));
    const deps = { ...ingestDeps(t, NOW), ddb: jittered(t.ddb, 4, random) };
    let running = 0;
    const results = await Promise.all(
      invocations.map(async (records, i) => {
        // 12 in flight at once.
        while (running >= 12) await new Promise((r) => setTimeout(r, 1 + (i % 3)));
        running++;
        try {
          return await ingest(deps, records);
        } finally {
          running--;
        }
      }),
    );
    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(results.reduce((n, r) => n + r.stats.stored, 0)).toBe(600);
    expect(results.reduce((n, r) => n + r.stats.duplicates, 0)).toBe(1200);

    const got = await snapshot(t);
    expect(got.totals.events).toBe(600);
    expect(got.ids).toEqual(events.map((e) => e.messageId).sort());
    expect(got.raw).toBe(600);
    expect(got).toEqual(await reference(events));
  });

  it('counts copies racing in two invocations at every interleaving the jitter makes', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const table = await createTestTable();
      const events = dataset(40, `s${seed}-`);
      const random = seeded(seed);
      const deps = { ...ingestDeps(table, NOW), ddb: jittered(table.ddb, 6, random) };
      await Promise.all([
        ingest(deps, [sqsRecord(events)]),
        ingest(deps, [sqsRecord(events.map((e) => ({ ...e })))]),
        ingest(deps, [sqsRecord(events.slice(10, 30).map((e) => ({ ...e })))]),
      ]);
      const got = await snapshot(table);
      expect(got.totals.events, `seed ${seed}`).toBe(40);
      expect(got.ids, `seed ${seed}`).toEqual(events.map((e) => e.messageId).sort());
    }
  });
});

describe('a writer that another overtakes while it stores', () => {
  it('catches up before its commit: no cancelled transaction, and the copies counted once', async () => {
    const events = dataset(100, 'o');
    // B holds copies of the first 60 events, A the last 60: 20 copies between them.
    const b = events.slice(0, 60).map((e) => ({ ...e }));
    const a = events.slice(40);
    const isCommitLog = (c: { input: Record<string, unknown> }) =>
      JSON.stringify(c.input).includes('"CL#p1"');
    let commitLogCalls = 0;
    let overtaken: Promise<unknown> | undefined;
    let commits = 0;
    let cancelled = 0;
    const client = watched(t.ddb, {
      // A's first call on the commit log reads the number it starts from; at its second (once
      // its events are stored), B runs whole: B's commit lands between A's look and A's commit.
      before: async (c) => {
        if (!isCommitLog(c) || ++commitLogCalls !== 2) return;
        overtaken = ingest(ingestDeps(t, NOW), [sqsRecord(b)]);
        await overtaken;
      },
      after: (c, error) => {
        if (!('TransactItems' in c.input) || !isCommitLog(c)) return;
        commits++;
        if ((error as { name?: string } | undefined)?.name === 'TransactionCanceledException')
          cancelled++;
      },
    });
    const res = await ingest({ ...ingestDeps(t, NOW), ddb: client }, [sqsRecord(a)]);
    expect(overtaken).toBeInstanceOf(Promise);
    expect(res.batchItemFailures).toEqual([]);
    // A stored its 60, then left out the 20 that B counted first.
    expect(res.stats).toMatchObject({ stored: 40, duplicates: 20 });
    expect({ commits, cancelled }).toEqual({ commits: 1, cancelled: 0 });
    const got = await snapshot(t);
    expect(got.totals.events).toBe(100);
    expect(got.ids).toEqual(events.map((e) => e.messageId).sort());
    expect(got).toEqual(await reference(events));
  });
});

describe('a crash at every step of ingest', () => {
  const events = dataset(30);
  const record = sqsRecord(events, { messageId: 'sqs-1' });

  async function cleanCalls(): Promise<number> {
    const table = await createTestTable();
    const probe = crashAt(table.ddb, Number.POSITIVE_INFINITY, 'before');
    await ingest({ ...ingestDeps(table, NOW), ddb: probe.client }, [record]);
    return probe.calls();
  }

  for (const mode of ['before', 'after'] as CrashMode[]) {
    it(`converges to the exact figures after a crash ${mode} any DynamoDB call`, {
      timeout: 120_000,
    }, async () => {
      const expected = await reference(events);
      const calls = await cleanCalls();
      expect(calls).toBeGreaterThan(5);
      for (let at = 1; at <= calls; at++) {
        const table = await createTestTable();
        const crash = crashAt(table.ddb, at, mode);
        // The crashed invocation never returns, like a process that died.
        void ingest({ ...ingestDeps(table, NOW), ddb: crash.client }, [record]);
        await crash.crashed;
        // SQS redelivers the record after the visibility timeout.
        const later = NOW + 6 * 60_000;
        const res = await ingest(ingestDeps(table, later), [redelivered(record, 2)]);
        expect(res.batchItemFailures, `crash ${mode} call ${at}`).toEqual([]);
        expect(await snapshot(table), `crash ${mode} call ${at}`).toEqual(expected);
      }
    });
  }

  it('converges after two crashes in a row and two redeliveries racing each other', {
    timeout: 120_000,
  }, async () => {
    const expected = await reference(events);
    const calls = await cleanCalls();
    const random = seeded(42);
    for (let run = 0; run < 8; run++) {
      const table = await createTestTable();
      const first = crashAt(
        table.ddb,
        1 + Math.floor(random() * calls),
        random() < 0.5 ? 'before' : 'after',
      );
      // An invocation with fewer calls than the crash point finishes instead.
      await Promise.race([
        first.crashed,
        ingest({ ...ingestDeps(table, NOW), ddb: first.client }, [record]),
      ]);
      const second = crashAt(
        table.ddb,
        1 + Math.floor(random() * calls),
        random() < 0.5 ? 'before' : 'after',
      );
      await Promise.race([
        second.crashed,
        ingest({ ...ingestDeps(table, NOW + 6 * 60_000), ddb: second.client }, [
          redelivered(record, 2),
        ]),
      ]);
      // The third receive, and a resend of the same events by the client, at once.
      const later = NOW + 12 * 60_000;
      const deps = { ...ingestDeps(table, later), ddb: jittered(table.ddb, 5, random) };
      await Promise.all([
        ingest(deps, [redelivered(record, 3)]),
        ingest(deps, [sqsRecord(events.map((e) => ({ ...e })))]),
      ]);
      expect(await snapshot(table), `run ${run}`).toEqual(expected);
    }
  });
});

describe('a writer that crashed after overwriting a copy another writer counted', () => {
  it('is not counted again when its record comes back', async () => {
    const events = dataset(12);
    // Calls of a writer: 1 latest commit, 2 check, 3 store raw, then users and the commit.
    const b = stepped(t.ddb, [3, 4]);
    const a = crashAt(t.ddb, 4, 'before');
    const aHeld = stepped(a.client, [3]);
    const bDone = ingest({ ...ingestDeps(t, NOW), ddb: b.client }, [sqsRecord(events)]);
    const record = sqsRecord(
      events.map((e) => ({ ...e })),
      { messageId: 'sqs-a' },
    );
    void ingest({ ...ingestDeps(t, NOW), ddb: aHeld.client }, [record]);
    // Both checked and found the events new; B stores them first, then A overwrites them.
    await Promise.all([b.reached(3), aHeld.reached(3)]);
    b.release(3);
    await b.reached(4);
    aHeld.release(3);
    await a.crashed;
    // A died before committing; B commits the events it stored.
    b.release(4);
    expect((await bDone).stats.stored).toBe(12);
    // SQS brings A's record back: its stored copies name a commit that never happened.
    const again = await ingest(ingestDeps(t, NOW + 6 * 60_000), [redelivered(record, 2)]);
    expect(again.stats).toMatchObject({ stored: 0, duplicates: 12 });
    expect(await snapshot(t)).toEqual(await reference(events));
  });
});

describe('an invocation that runs long', () => {
  /**
   * 1,500 events in three records, on a table where every DynamoDB call takes 0.7 s of the
   * returned clock: the first group of 1,000 events (two records) outlasts half the 60 s
   * lifetime, so the third record is left for later.
   */
  function slowRun() {
    const events = dataset(1500);
    const records = [0, 1, 2].map((i) => sqsRecord(events.slice(i * 500, i * 500 + 500)));
    const clock = { now: NOW };
    const slow = new Proxy(t.ddb, {
      get: (target, prop, receiver) =>
        prop === 'send'
          ? (command: never) => {
              clock.now += 700;
              return target.send(command);
            }
          : Reflect.get(target, prop, receiver),
    });
    // The declarations as the Lambda reads them: from its cache (one read a minute), not here.
    const captureOf = async () => new Map();
    return {
      events,
      records,
      clock,
      deps: { ...ingestDeps(t, () => clock.now), ddb: slow, captureOf },
    };
  }

  it('commits the groups it finished, leaves the rest to a retry, and counts everything once', async () => {
    const { events, records, clock, deps } = slowRun();
    const first = await ingest(deps, records);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: records[2]?.messageId }]);
    expect(first.stats.stored).toBe(1000);
    expect((await snapshot(t)).totals.events).toBe(1000);
    const again = await ingest(ingestDeps(t, clock.now + 60_000), [
      redelivered(records[2] as SQSRecord, 2),
    ]);
    expect(again.stats.stored).toBe(500);
    expect(await snapshot(t)).toEqual(await reference(events));
  });

  it('sends the record it did not reach back as a new message, so waiting spends no receive', async () => {
    const { records, deps } = slowRun();
    const sent: SQSRecord[] = [];
    const res = await ingest({ ...deps, requeue: async (r) => void sent.push(r) }, records);
    expect(res.batchItemFailures).toEqual([]);
    expect(res.stats).toMatchObject({ stored: 1000, requeued: 1 });
    expect(sent.map((r) => r.body)).toEqual([records[2]?.body]);
  });

  it('leaves that record to SQS when sending it back fails', async () => {
    const { records, deps } = slowRun();
    const requeue = () => Promise.reject(new Error('SQS is down'));
    const res = await ingest({ ...deps, requeue }, records);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: records[2]?.messageId }]);
    expect(res.stats).toMatchObject({ stored: 1000, requeued: 0 });
  });
});

describe('resends with other timestamps', () => {
  it('counts a verbatim replay three days late, on another day, once', async () => {
    const first = tallyEvent({ messageId: 'late-1', timestamp: '2026-11-20T23:59:00.000Z' });
    await ingest(ingestDeps(t, NOW), [sqsRecord([first])]);
    // Skew correction of the late replay moved its timestamp days on: another day partition.
    const replay = {
      ...first,
      timestamp: '2026-11-23T00:00:30.000Z',
      receivedAt: '2026-11-23T00:01:00.000Z',
    };
    const res = await ingest(ingestDeps(t, NOW + 3 * 86_400_000), [sqsRecord([replay])]);
    expect(res.stats).toMatchObject({ stored: 0, duplicates: 1 });
    expect((await readTotals(t.ddb, t.tableName, 'p1')).events).toBe(1);
    const d23 = await readPeriod(t.ddb, t.tableName, 'p1', period.day('2026-11-23'));
    expect(d23.counters.events).toBeUndefined();
  });
});
