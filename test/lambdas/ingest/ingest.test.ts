import { beforeEach, describe, expect, it } from 'vitest';
import { keys, period, rawEventPartition } from '../../../lambdas/contract/keys.ts';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import { readPeriod, readTotals } from '../../../lambdas/store/counters.ts';
import { fromRawItem } from '../../../lambdas/store/raw-events.ts';
import { ingestDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { sqsRecord, tallyEvent } from '../../helpers/events.ts';
import { jittered, seeded, watched } from '../../helpers/faults.ts';

let t: TestTable;
const now = Date.parse('2026-11-22T12:00:00Z');
const deps = () => ingestDeps(t, now);

async function summaryOf(projectId: string, day: string) {
  const totals = await readTotals(t.ddb, t.tableName, projectId);
  const today = await readPeriod(t.ddb, t.tableName, projectId, period.day(day));
  return { totals, day: today.counters };
}

async function rawEvents(projectId: string) {
  const items = [];
  for (let s = 0; s < t.storage.eventShards; s++)
    items.push(...(await t.query(rawEventPartition(projectId, s))));
  return items;
}

beforeEach(async () => {
  t = await createTestTable();
});

describe('ingest', () => {
  it('stores each event and counts events, users, messages, tokens and response time', async () => {
    const events = [
      tallyEvent({ userId: 'u1', event: 'Signed Up' }),
      tallyEvent({
        userId: 'u1',
        event: 'message.sent',
        properties: { tokens: 120, model: 'gpt-4o', responseTimeMs: 800 },
      }),
      tallyEvent({
        userId: 'u2',
        event: 'message.sent',
        properties: { tokens: 30, model: 'gpt-4o', responseTimeMs: 400 },
      }),
      tallyEvent({ userId: 'u2', event: 'conversation.started' }),
      tallyEvent({ userId: 'u3', event: 'api.request', properties: { statusCode: 500 } }),
      tallyEvent({ type: 'identify', event: undefined, userId: 'u3', traits: { plan: 'pro' } }),
    ];
    const res = await ingest(deps(), [sqsRecord(events)]);
    expect(res.batchItemFailures).toEqual([]);
    expect(res.stats).toEqual({
      received: 6,
      stored: 6,
      duplicates: 0,
      failedRecords: 0,
      deadLettered: 0,
      requeued: 0,
      rejectionsCounted: 0,
    });

    const { totals, day } = await summaryOf('p1', '2026-11-20');
    expect(totals).toMatchObject({
      events: 6,
      newUsers: 3,
      messages: 2,
      tokens: 150,
      'tokens:gpt-4o': 150,
      rtSum: 1200,
      rtCount: 2,
      conversations: 1,
      apiCalls: 1,
      apiErrors: 1,
      'type:track': 5,
      'type:identify': 1,
    });
    expect(day).toMatchObject({ events: 6, activeUsers: 3, newUsers: 3, messages: 2 });

    const stored = (await rawEvents('p1')).map(fromRawItem);
    expect(stored.map((e) => e.messageId).sort()).toEqual(events.map((e) => e.messageId).sort());
    expect(stored.find((e) => e.type === 'identify')?.traits).toEqual({ plan: 'pro' });
  });

  it('counts a messageId delivered twice (SQS redelivery) once', async () => {
    const events = [tallyEvent({ userId: 'u1' }), tallyEvent({ userId: 'u2' })];
    const record = sqsRecord(events, { messageId: 'sqs-1' });
    await ingest(deps(), [record]);
    const again = await ingest(deps(), [
      { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } },
    ]);
    expect(again.stats).toMatchObject({ received: 2, stored: 0, duplicates: 2 });
    const { totals, day } = await summaryOf('p1', '2026-11-20');
    expect(totals).toMatchObject({ events: 2, newUsers: 2 });
    expect(day.activeUsers).toBe(2);
    expect(await rawEvents('p1')).toHaveLength(2);
  });

  it('counts a messageId resent in another request, and twice within one batch, once', async () => {
    const a = tallyEvent({ messageId: 'dup-1', userId: 'u1' });
    const res = await ingest(deps(), [
      sqsRecord([a, { ...a }]),
      sqsRecord([{ ...a, receivedAt: '2026-11-20T10:16:00.000Z' }]),
    ]);
    expect(res.stats).toMatchObject({ received: 3, stored: 1, duplicates: 2 });
    await ingest(deps(), [sqsRecord([{ ...a }])]);
    expect((await summaryOf('p1', '2026-11-20')).totals.events).toBe(1);
  });

  it('reports the ingestion lag of each event it counted, and of no copy', async () => {
    const at = (ms: number) => new Date(now - ms).toISOString();
    const a = tallyEvent({ messageId: 'lag-a', receivedAt: at(1500) });
    const b = tallyEvent({ messageId: 'lag-b', receivedAt: at(20) });
    // A clock ahead of ingest's reads as no lag, never a negative one.
    const c = tallyEvent({ messageId: 'lag-c', receivedAt: at(-300) });
    const first = await ingest(deps(), [sqsRecord([a, b]), sqsRecord([c, { ...a }])]);
    expect(first.stats).toMatchObject({ stored: 3, duplicates: 1 });
    expect([...first.lagsMs].sort((x, y) => x - y)).toEqual([0, 20, 1500]);
    const again = await ingest(deps(), [sqsRecord([a, b])]);
    expect(again.lagsMs).toEqual([]);
  });

  it('finds an earlier copy whatever the timestamp of the resend', async () => {
    const first = tallyEvent({ messageId: 'late-1', timestamp: '2026-11-20T23:59:00.000Z' });
    await ingest(deps(), [sqsRecord([first])]);
    const resend = { ...first, timestamp: '2026-11-21T00:00:30.000Z' };
    const res = await ingest(deps(), [sqsRecord([resend])]);
    expect(res.stats).toMatchObject({ stored: 0, duplicates: 1 });
    expect((await readTotals(t.ddb, t.tableName, 'p1')).events).toBe(1);
  });

  it('counts a returning user as active on a new day but not as a new user', async () => {
    await ingest(deps(), [
      sqsRecord([tallyEvent({ userId: 'u1', timestamp: '2026-11-20T10:00:00.000Z' })]),
    ]);
    await ingest(deps(), [
      sqsRecord([tallyEvent({ userId: 'u1', timestamp: '2026-11-21T10:00:00.000Z' })]),
    ]);
    expect((await readTotals(t.ddb, t.tableName, 'p1')).newUsers).toBe(1);
    const d2 = await readPeriod(t.ddb, t.tableName, 'p1', period.day('2026-11-21'));
    expect(d2.counters).toMatchObject({ activeUsers: 1, events: 1 });
    expect(d2.counters.newUsers).toBeUndefined();
  });

  it('reports an unreadable record as failed and still stores the others', async () => {
    const good = sqsRecord([tallyEvent()]);
    const bad = { ...sqsRecord([]), messageId: 'bad', body: '{not json' };
    const res = await ingest(deps(), [good, bad]);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect((await readTotals(t.ddb, t.tableName, 'p1')).events).toBe(1);
  });

  it('keeps identify traits on the profile, merged call after call', async () => {
    await ingest(deps(), [
      sqsRecord([
        tallyEvent({
          type: 'identify',
          event: undefined,
          userId: 'ada',
          traits: { plan: 'free', email: 'a@x.test' },
        }),
      ]),
    ]);
    await ingest(deps(), [
      sqsRecord([
        tallyEvent({
          type: 'identify',
          event: undefined,
          userId: 'ada',
          traits: { plan: 'pro' },
          timestamp: '2026-11-20T11:00:00.000Z',
        }),
      ]),
    ]);
    const [profile] = await t.query(keys.user('p1', 'ada', t.storage.userShards).pk);
    expect(profile).toMatchObject({ sk: 'ada', traits: { plan: 'pro', email: 'a@x.test' } });
  });

  it('writes a profile only with the traits that change, and not at all when none do', async () => {
    const identify = (traits: Record<string, unknown>) =>
      sqsRecord([tallyEvent({ type: 'identify', event: undefined, userId: 'ada', traits })]);
    const updates: string[][] = [];
    const counted = {
      ...deps(),
      ddb: watched(t.ddb, {
        before: (c) => {
          const names = c.input.ExpressionAttributeNames as Record<string, string> | undefined;
          if ('UpdateExpression' in c.input && names?.['#t'] === 'traits')
            updates.push(Object.values(names).filter((n) => n !== 'traits'));
        },
      }),
    };
    await ingest(counted, [identify({ plan: 'free', email: 'a@x.test', tags: ['a', 'b'] })]);
    expect(updates).toEqual([[]]);
    // The same values again (a service identifies on every session): nothing to write.
    await ingest(counted, [identify({ plan: 'free', email: 'a@x.test', tags: ['a', 'b'] })]);
    expect(updates).toHaveLength(1);
    // One changed value, one new name: one write, of those two.
    await ingest(counted, [identify({ plan: 'pro', email: 'a@x.test', seats: 3 })]);
    expect(updates).toEqual([[], ['plan', 'seats']]);
    const [profile] = await t.query(keys.user('p1', 'ada', t.storage.userShards).pk);
    expect(profile?.traits).toEqual({ plan: 'pro', email: 'a@x.test', tags: ['a', 'b'], seats: 3 });
  });

  it('keeps every name of identify calls that race in concurrent invocations', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const userId = `racer${seed}`;
      const random = seeded(seed);
      const racing = { ...deps(), ddb: jittered(t.ddb, 5, random) };
      const identify = (traits: Record<string, unknown>) =>
        sqsRecord([tallyEvent({ type: 'identify', event: undefined, userId, traits })]);
      // Each invocation reads a profile without traits; each must keep the other's names.
      await Promise.all([
        ingest(racing, [identify({ plan: 'team' })]),
        ingest(racing, [identify({ email: `${userId}@x.test` })]),
        ingest(racing, [identify({ company: 'Example' })]),
      ]);
      const profile = (await t.query(keys.user('p1', userId, t.storage.userShards).pk)).find(
        (p) => p.sk === userId,
      );
      expect(profile?.traits, `seed ${seed}`).toEqual({
        plan: 'team',
        email: `${userId}@x.test`,
        company: 'Example',
      });
    }
  });

  it('keeps the traits of a record whose invocation died before writing them', async () => {
    const record = sqsRecord([
      tallyEvent({ type: 'identify', event: undefined, userId: 'bo', traits: { plan: 'pro' } }),
    ]);
    let died: () => void = () => undefined;
    const dead = new Promise<void>((r) => {
      died = r;
    });
    const dying = {
      ...deps(),
      ddb: watched(t.ddb, {
        before: async (c) => {
          const names = c.input.ExpressionAttributeNames as Record<string, string> | undefined;
          if (!('UpdateExpression' in c.input) || names?.['#t'] !== 'traits') return;
          died();
          await new Promise(() => undefined);
        },
      }),
    };
    void ingest(dying, [record]);
    await dead;
    const res = await ingest(deps(), [
      { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } },
    ]);
    expect(res.batchItemFailures).toEqual([]);
    const [profile] = await t.query(keys.user('p1', 'bo', t.storage.userShards).pk);
    expect(profile?.traits).toEqual({ plan: 'pro' });
    expect((await summaryOf('p1', '2026-11-20')).totals.events).toBe(1);
  });

  it('keeps projects apart', async () => {
    await ingest(deps(), [
      sqsRecord([tallyEvent({ projectId: 'a' })]),
      sqsRecord([tallyEvent({ projectId: 'b' }), tallyEvent({ projectId: 'b' })]),
    ]);
    expect((await readTotals(t.ddb, t.tableName, 'a')).events).toBe(1);
    expect((await readTotals(t.ddb, t.tableName, 'b')).events).toBe(2);
  });

  it('writes counters once per key per batch, into the current storage bucket', async () => {
    const events = Array.from({ length: 30 }, (_, i) => tallyEvent({ userId: `u${i % 3}` }));
    await ingest(deps(), [sqsRecord(events.slice(0, 15)), sqsRecord(events.slice(15))]);
    const items = await t.query(keys.counterBucket('p1', period.day('2026-11-20'), 'x').pk);
    expect(items.map((i) => i.sk)).toEqual(['B#2026-11-22T12:00']);
    expect(items[0]).toMatchObject({ events: 30, activeUsers: 3 });
  });
});

describe('dead letters', () => {
  const letters: { id: string; reason: string }[] = [];
  const deadLetter = async (record: { messageId: string }, reason: string) => {
    letters.push({ id: record.messageId, reason });
  };

  it('dead-letters an unreadable record at once, with its reason, instead of retrying it', async () => {
    letters.length = 0;
    const bad = { ...sqsRecord([]), messageId: 'bad', body: '{not json' };
    const res = await ingest({ ...deps(), deadLetter }, [bad, sqsRecord([tallyEvent()])]);
    expect(res.batchItemFailures).toEqual([]);
    expect(res.stats.deadLettered).toBe(1);
    expect(letters).toEqual([{ id: 'bad', reason: 'unreadable record: body is not JSON' }]);
  });

  it('retries a record whose events could not be stored, and dead-letters it on the last receive', async () => {
    letters.length = 0;
    const broken = { ...deps(), storage: { ...t.storage, tableName: 'no-such-table' }, deadLetter };
    const first = await ingest(broken, [
      sqsRecord([tallyEvent()], { messageId: 'r1', receiveCount: 1 }),
    ]);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'r1' }]);
    expect(letters).toEqual([]);
    const last = await ingest(broken, [
      sqsRecord([tallyEvent()], { messageId: 'r1', receiveCount: 5 }),
    ]);
    expect(last.batchItemFailures).toEqual([]);
    expect(letters).toEqual([
      // The first read of the table is of the declarations (which properties facts keep).
      {
        id: 'r1',
        reason: expect.stringMatching(
          /^reading the project's declarations failed: .*non-existent table/i,
        ),
      },
    ]);
  });

  it('leaves the record to SQS when dead-lettering itself fails', async () => {
    const failing = async () => {
      throw new Error('SQS is down');
    };
    const bad = { ...sqsRecord([]), messageId: 'bad', body: 'nope' };
    const res = await ingest({ ...deps(), deadLetter: failing }, [bad]);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
  });
});
