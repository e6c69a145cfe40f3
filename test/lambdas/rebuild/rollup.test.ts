/**
 * The rollup against DynamoDB Local: it rebuilds exact figures from the fact log, agrees with the
 * live layer (after a crash too, once ingest's redelivery counted what the crash left), corrects
 * damaged counters, leaves later events live, and is idempotent.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { counterPartition, keys, period } from '../../../lambdas/contract/keys.ts';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import type { TallyEvent } from '../../../lambdas/model/events.ts';
import { compactDay, rollupDay } from '../../../lambdas/rebuild/rollup.ts';
import { partsOf } from '../../../lambdas/store/aggregate.ts';
import { contributions } from '../../../lambdas/store/contributions.ts';
import { applyIncrements, readTotals } from '../../../lambdas/store/counters.ts';
import { readDay } from '../../../lambdas/store/day-store.ts';
import { factOf } from '../../../lambdas/store/facts.ts';
import { ingestDeps, rollupDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../helpers/events.ts';
import { crashAt } from '../../helpers/faults.ts';
import { ingestAll } from '../../helpers/ingest.ts';

const DAY = '2026-11-20';
const T0 = Date.parse('2026-11-20T10:00:00Z');
const MIN = 60_000;
let t: TestTable;
let clock = T0;
/** The clock the ingest and rollup runs read; tests move it. */
const now = () => clock;

const store = () => ({ ddb: t.ddb, tableName: t.tableName });

function dataset(): TallyEvent[] {
  const at = (m: number) => new Date(T0 - 60 * MIN + m * MIN).toISOString();
  return [
    tallyEvent({
      userId: 'ada',
      event: 'conversation.started',
      timestamp: at(1),
      properties: { conversationId: 'c1', agentId: 'a1' },
    }),
    tallyEvent({
      userId: 'ada',
      event: 'message.sent',
      timestamp: at(2),
      properties: {
        conversationId: 'c1',
        agentId: 'a1',
        tokens: 100,
        model: 'gpt-4o',
        responseTimeMs: 400,
        role: 'assistant',
      },
    }),
    tallyEvent({
      userId: 'ada',
      event: 'message.sent',
      timestamp: at(3),
      properties: {
        conversationId: 'c1',
        agentId: 'a1',
        tokens: 50,
        model: 'gpt-4o',
        responseTimeMs: 800,
        role: 'assistant',
      },
    }),
    tallyEvent({
      userId: 'bob',
      event: 'message.sent',
      timestamp: at(4),
      properties: {
        conversationId: 'c2',
        tokens: 30,
        model: 'claude',
        responseTimeMs: 200,
        role: 'user',
      },
    }),
    tallyEvent({
      userId: 'bob',
      event: 'api.request',
      timestamp: at(5),
      properties: { endpoint: '/chat', method: 'POST', statusCode: 500, durationMs: 120 },
    }),
    tallyEvent({
      anonymousId: 'v1',
      userId: undefined,
      type: 'page',
      event: undefined,
      name: 'Home',
      timestamp: at(6),
    }),
  ];
}

beforeEach(async () => {
  t = await createTestTable({ bucketSeconds: 300 });
  clock = T0;
});

async function served() {
  const day = await readDay(store(), 'p1', DAY, {
    users: true,
    conversations: true,
    resources: true,
    api: true,
  });
  return { day, totals: await readTotals(t.ddb, t.tableName, 'p1') };
}

/**
 * The crash: the dataset's first 3 events ingested; the other 3 by an ingest that died right
 * after storing their raw events (stored, not counted). Returns its record, for the redelivery.
 */
async function ingestThenCrash() {
  const events = dataset();
  await ingestAll(ingestDeps(t, now), [sqsRecord(events.slice(0, 3))]);
  const record = sqsRecord(events.slice(3));
  // Calls of an ingest: latest commit, check, store raw — then it dies.
  const crash = crashAt(t.ddb, 3, 'after');
  void ingest({ ...ingestDeps(t, now), ddb: crash.client }, [record]);
  await crash.crashed;
  return { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } };
}

describe('rollup', () => {
  it('agrees exactly with the live layer when nothing went wrong', async () => {
    const events = dataset();
    await ingestAll(ingestDeps(t, now), [sqsRecord(events)]);
    const live = await served();
    clock = T0 + 10 * MIN;
    const result = await rollupDay(rollupDeps(t, now), 'p1', DAY);
    expect(result).toMatchObject({ events: 6, correction: {} });
    const rebuilt = await served();
    expect(rebuilt.day.counters).toEqual(live.day.counters);
    expect(rebuilt.totals).toEqual(live.totals);
    expect(rebuilt.day.parts).toEqual(live.day.parts);
    expect(rebuilt.day.rollup?.watermark).toBe('2026-11-20T10:05');
    // And the figures are the right ones.
    const expected = partsOf(events.map((e) => factOf(e)));
    expect(rebuilt.day.parts.users).toEqual(expected.users);
    expect(rebuilt.day.counters).toMatchObject({
      events: 6,
      messages: 3,
      tokens: 180,
      conversations: 1,
      apiCalls: 1,
      apiErrors: 1,
      activeUsers: 3,
      newUsers: 3,
    });
    // Folded live buckets are gone; the day is one rollup item.
    expect((await t.query(counterPartition('p1', period.day(DAY)))).map((i) => i.sk)).toEqual([
      'R',
    ]);
  });

  it('counts nothing an ingest stored but did not commit; its redelivery counts it, once', async () => {
    const again = await ingestThenCrash();
    expect((await served()).totals.events).toBe(3);
    clock = T0 + 10 * MIN;
    // The rebuild reads the fact log: the uncommitted events are not in it.
    expect((await rollupDay(rollupDeps(t, now), 'p1', DAY)).correction).toEqual({});
    expect((await served()).totals.events).toBe(3);
    // SQS brings the record back; ingest finds the events stored but never counted.
    expect((await ingest(ingestDeps(t, now), [again])).stats).toMatchObject({ stored: 3 });
    const { day, totals } = await served();
    expect(totals).toMatchObject({ events: 6, messages: 3, tokens: 180, newUsers: 3 });
    expect(day.counters).toMatchObject({ events: 6, activeUsers: 3, newUsers: 3 });
    clock = T0 + 20 * MIN;
    expect((await rollupDay(rollupDeps(t, now), 'p1', DAY)).correction).toEqual({});
    expect((await served()).totals).toEqual(totals);
    // bob's next event does not count him again.
    clock = T0 + 30 * MIN;
    await ingestAll(ingestDeps(t, now), [
      sqsRecord([tallyEvent({ userId: 'bob', timestamp: '2026-11-20T10:15:00.000Z' })]),
    ]);
    expect((await served()).day.counters).toMatchObject({ events: 7, activeUsers: 3 });
  });

  it('corrects counters that disagree with the fact log (damaged figures)', async () => {
    const events = dataset();
    await ingestAll(ingestDeps(t, now), [sqsRecord(events)]);
    const dup = events[1] as TallyEvent;
    await applyIncrements(t.ddb, t.tableName, [
      {
        key: keys.counterBucket('p1', period.day(DAY), '2026-11-20T10:00'),
        counters: contributions(factOf(dup)),
      },
      { key: keys.totals('p1'), counters: contributions(factOf(dup)) },
    ]);
    expect((await served()).totals.tokens).toBe(280);
    clock = T0 + 10 * MIN;
    const result = await rollupDay(rollupDeps(t, now), 'p1', DAY);
    expect(result.correction).toMatchObject({ events: -1, messages: -1, tokens: -100 });
    expect((await served()).totals).toMatchObject({ events: 6, tokens: 180, messages: 3 });
  });

  it('is idempotent, and leaves events stored after the watermark live', async () => {
    await ingestAll(ingestDeps(t, now), [sqsRecord(dataset())]);
    clock = T0 + 10 * MIN;
    await rollupDay(rollupDeps(t, now), 'p1', DAY);
    const first = await served();
    const again = await rollupDay(rollupDeps(t, now), 'p1', DAY);
    expect(again.correction).toEqual({});
    expect(await served()).toEqual(first);

    // A late event for the same day, stored now: live until a later rollup folds it.
    await ingestAll(ingestDeps(t, now), [
      sqsRecord([
        tallyEvent({
          userId: 'cy',
          event: 'message.sent',
          timestamp: '2026-11-20T09:30:00.000Z',
          properties: { tokens: 5 },
        }),
      ]),
    ]);
    const withLate = await served();
    expect(withLate.day.counters).toMatchObject({ events: 7, tokens: 185, activeUsers: 4 });
    expect(withLate.totals).toMatchObject({ events: 7, tokens: 185, newUsers: 4 });
    expect(withLate.day.parts.users.cy).toMatchObject({ events: 1, tokens: 5 });
    clock = T0 + 30 * MIN;
    const later = await rollupDay(rollupDeps(t, now), 'p1', DAY);
    expect(later.correction).toEqual({});
    expect(await served()).toMatchObject({
      day: { counters: withLate.day.counters },
      totals: withLate.totals,
    });
  });
});

describe('compaction', () => {
  it('folds the live layer into the rollup with the same figures, reading no raw event', async () => {
    const events = dataset();
    await ingestAll(ingestDeps(t, now), [sqsRecord(events.slice(0, 3))]);
    clock = T0 + 10 * MIN;
    await ingestAll(ingestDeps(t, now), [sqsRecord(events.slice(3))]);
    const live = await served();
    // Folds the first batch (bucket 10:00; the second, in bucket 10:10, stays live), then the second.
    clock = T0 + 12 * MIN;
    expect(await compactDay(rollupDeps(t, now), 'p1', DAY)).toMatchObject({
      events: 3,
      watermark: '2026-11-20T10:10',
    });
    expect(await served()).toEqual({ ...live, day: { ...live.day, rollup: expect.anything() } });
    clock = T0 + 20 * MIN;
    expect(await compactDay(rollupDeps(t, now), 'p1', DAY)).toMatchObject({
      events: 6,
      watermark: '2026-11-20T10:15',
    });
    const folded = await served();
    expect(folded.day.counters).toEqual(live.day.counters);
    expect(folded.day.parts).toEqual(live.day.parts);
    expect((await t.query(counterPartition('p1', period.day(DAY)))).map((i) => i.sk)).toEqual([
      'R',
    ]);
    // Nothing new: nothing written.
    expect(await compactDay(rollupDeps(t, now), 'p1', DAY)).toMatchObject({
      events: 6,
      correction: {},
    });
  });

  it('agrees with the redelivery of a crashed ingest, before and after it', async () => {
    const again = await ingestThenCrash();
    clock = T0 + 10 * MIN;
    await compactDay(rollupDeps(t, now), 'p1', DAY);
    expect((await served()).totals.events).toBe(3);
    await ingestAll(ingestDeps(t, now), [again]);
    clock = T0 + 20 * MIN;
    await compactDay(rollupDeps(t, now), 'p1', DAY);
    expect((await served()).day.counters).toMatchObject({ events: 6, activeUsers: 3 });
    const rebuilt = await rollupDay(rollupDeps(t, now), 'p1', DAY);
    expect(rebuilt.correction).toEqual({});
    expect((await served()).day.counters).toMatchObject({ events: 6, activeUsers: 3 });
  });

  it('never moves the watermark back', async () => {
    await ingestAll(ingestDeps(t, now), [sqsRecord(dataset())]);
    clock = T0 + 30 * MIN;
    await rollupDay(rollupDeps(t, now), 'p1', DAY);
    const later = await served();
    clock = T0 + 10 * MIN;
    expect(await rollupDay(rollupDeps(t, now), 'p1', DAY)).toMatchObject({
      watermark: later.day.rollup?.watermark,
    });
    expect(await served()).toMatchObject({
      day: { counters: later.day.counters },
      totals: later.totals,
    });
  });
});
