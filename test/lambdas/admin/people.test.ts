/**
 * The people reports' rules (pure), and their paging and rebuilt/live agreement against DynamoDB
 * Local with a controlled clock: many fact-log items per day in distinct storage buckets, a rare
 * user whose other days are never read, a bounded walk, and the rollup changing no answer.
 */

import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminDeps } from '../../../lambdas/admin/report.ts';
import {
  activityOf,
  byUtf8,
  conversationRow,
  pageAfter,
  rankResources,
  rankUsers,
  statusOf,
} from '../../../lambdas/admin/reports/people/compute.ts';
import { peopleReports } from '../../../lambdas/admin/reports/people.ts';
import { adminRoute } from '../../../lambdas/admin/routes.ts';
import { factLogPartition, keys } from '../../../lambdas/contract/keys.ts';
import { ValidationError } from '../../../lambdas/model/errors.ts';
import type { TallyEvent } from '../../../lambdas/model/events.ts';
import { rollupDay } from '../../../lambdas/rebuild/rollup.ts';
import type { ConversationStats } from '../../../lambdas/store/aggregate.ts';
import { walkLog } from '../../../lambdas/store/log-pages.ts';
import { adminDeps, ingestDeps, rollupDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { httpEvent, sqsRecord, tallyEvent } from '../../helpers/events.ts';
import { ingestAll } from '../../helpers/ingest.ts';

const conversation = (c: Partial<ConversationStats>): ConversationStats => ({
  messages: 0,
  tokens: 0,
  rtSum: 0,
  rtCount: 0,
  first: 1_000,
  last: 2_000,
  resources: [],
  ...c,
});

describe('rules', () => {
  it('derive a conversation status from the last report and a tracked end', () => {
    expect(statusOf(conversation({}))).toBe('active');
    expect(statusOf(conversation({ status: 'open', statusAt: 5 }))).toBe('open');
    expect(statusOf(conversation({ ended: 9 }))).toBe('ended');
    // "active" reported at the start does not outlive a later end
    expect(statusOf(conversation({ status: 'active', statusAt: 5, ended: 9 }))).toBe('ended');
    // a status reported with (or after) the end wins: it says how it ended
    expect(statusOf(conversation({ status: 'deleted', statusAt: 9, ended: 9 }))).toBe('deleted');
  });

  it('measure a conversation from start to end, else from first to last activity', () => {
    const both = conversationRow(
      'c',
      conversation({ started: 1_500, ended: 4_000, first: 1_000, last: 4_000 }),
    );
    expect(both.durationMs).toBe(2_500); // 4,000 − 1,500
    const open = conversationRow('c', conversation({ started: 1_500, first: 1_000, last: 2_000 }));
    expect(open.durationMs).toBe(1_000); // 2,000 − 1,000
    expect(conversationRow('c', conversation({ rtSum: 1000, rtCount: 3 })).avgResponseTimeMs).toBe(
      333.3,
    );
  });

  it('rank users by events, messages, tokens, then userId', () => {
    const u = (events: number, messages: number, tokens: number) => ({
      events,
      messages,
      tokens,
      first: 0,
      last: 0,
    });
    const ranked = rankUsers({
      d: u(5, 1, 1),
      c: u(5, 2, 0),
      b: u(5, 2, 0),
      a: u(6, 0, 0),
      e: u(5, 1, 9),
    });
    expect(ranked.map((r) => r.userId)).toEqual(['a', 'b', 'c', 'e', 'd']);
  });

  it('rank resources by messages then events, counting distinct conversations once', () => {
    const s = (events: number, messages: number, errors = 0, ratingSum = 0, ratingCount = 0) => ({
      events,
      messages,
      tokens: 0,
      rtSum: 0,
      rtCount: 0,
      errors,
      ratingSum,
      ratingCount,
    });
    const rows = rankResources(
      { 'agent#x': s(9, 1, 3, 10, 3), 'agent#y': s(2, 2), 'channel#web': s(3, 1) },
      {
        c1: conversation({ resources: ['agent#x', 'channel#web'] }),
        c2: conversation({ resources: ['agent#x'] }),
      },
    );
    expect(rows.map((r) => [r.type, r.id, r.conversations])).toEqual([
      ['agent', 'y', 0],
      ['agent', 'x', 2],
      ['channel', 'web', 1],
    ]);
    // 3 errors / 9 events; ratings 10 / 3
    expect(rows[1]).toMatchObject({ errorRate: 0.3333, satisfaction: 3.33, ratings: 3 });
    expect(rankResources({ 'agent#x': s(1, 0) }, {}, 'channel')).toEqual([]);
  });

  it('order ids as DynamoDB orders sort keys (UTF-8 bytes)', () => {
    // UTF-16 puts U+1F600 (surrogates D83D DE00) before U+FF5E; UTF-8, like DynamoDB, after it
    // (F0 9F 98 80 > EF BD 9E).
    expect(['\u{1F600}', '\uFF5E', 'a'].sort(byUtf8)).toEqual(['a', '\uFF5E', '\u{1F600}']);
  });

  it('page after a keyset position as a suffix of the sorted rows', () => {
    const rows = [1, 2, 3, 4, 5];
    expect(pageAfter(rows, 2, undefined)).toEqual({ items: [1, 2], more: true });
    expect(pageAfter(rows, 2, (r) => r > 3)).toEqual({ items: [4, 5], more: false });
    expect(pageAfter(rows, 2, (r) => r > 9)).toEqual({ items: [], more: false });
  });

  it('name an anonymous actor by its anonymousId', () => {
    expect(activityOf({ id: 'm', time: 0, type: 'page', name: 'Home', actor: 'anon:v1' })).toEqual({
      messageId: 'm',
      userId: null,
      anonymousId: 'v1',
      activityType: 'Home',
      type: 'page',
      timestamp: '1970-01-01T00:00:00.000Z',
    });
  });

  it('export conversations with their resources as type/id', () => {
    const report = peopleReports.find((r) => r.route === 'GET /api/v1/analytics/conversations');
    const row = conversationRow('c', conversation({ resources: ['channel#web', 'agent#a1'] }));
    expect(report?.rows?.({ conversations: [row] } as never, {} as never)).toEqual([
      { ...row, resources: ['agent/a1', 'channel/web'] },
    ]);
  });
});

// ---- against DynamoDB Local, with a controlled clock ----

const DAYS = ['2026-11-18', '2026-11-19', '2026-11-20'];
const T0 = Date.parse('2026-11-20T12:00:00Z');
const MIN = 60_000;
const BATCHES = 4;
let t: TestTable;
let clock = T0;
/** The clock every run reads; tests move it. */
const now = () => clock;

/**
 * Four ingests, five minutes apart (distinct storage buckets), each holding three events of every
 * day at later hours than the one before: each day's log is four items, and newest first is
 * exact. u1 sends a message in conversation c-<day> with agent a1, u2 logs in, visitor v9 views a
 * page; the rare user has one event, on the first day.
 */
function batch(b: number): TallyEvent[] {
  return DAYS.flatMap((day) => [
    tallyEvent({
      messageId: `${day}-${b}-0`,
      userId: 'u1',
      event: 'message.sent',
      timestamp: `${day}T0${b}:00:00.000Z`,
      properties: { conversationId: `c-${day}`, agentId: 'a1', tokens: 10, responseTimeMs: 100 },
    }),
    tallyEvent({
      messageId: `${day}-${b}-1`,
      userId: 'u2',
      event: 'activity.login',
      timestamp: `${day}T0${b}:01:00.000Z`,
    }),
    tallyEvent({
      messageId: `${day}-${b}-2`,
      userId: undefined,
      anonymousId: 'v9',
      type: 'page',
      event: undefined,
      name: 'Home',
      timestamp: `${day}T0${b}:02:00.000Z`,
    }),
  ]);
}
const RARE = tallyEvent({
  messageId: 'rare-1',
  userId: 'rare',
  event: 'activity.login',
  timestamp: '2026-11-18T00:30:00.000Z',
});
/** Every messageId, newest first. */
const ALL_IDS = [...Array.from({ length: BATCHES }, (_, b) => batch(b)).flat(), RARE]
  .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp))
  .map((e) => e.messageId);

/** Counts fact-log queries by partition, to see which days a request read. */
const logQueries: string[] = [];

function deps(): AdminDeps {
  const spy = Object.create(t.ddb) as typeof t.ddb;
  spy.send = ((command: unknown) => {
    if (command instanceof QueryCommand) {
      const pk = command.input.ExpressionAttributeValues?.[':pk'];
      if (typeof pk === 'string' && pk.startsWith('FL#')) logQueries.push(pk);
    }
    return t.ddb.send(command as never);
  }) as typeof t.ddb.send;
  return adminDeps(t, now, {
    ddb: spy,
    tokenPrices: {},
    insights: { sentimentProvider: 'lexicon', comprehendEndpoint: undefined, intentRules: [] },
  });
}

/** Runs a report as the admin function would; answers its JSON body. */
async function call<T = Record<string, unknown>>(
  route: string,
  query: Record<string, string>,
  pathParameters?: Record<string, string>,
): Promise<T> {
  const report = peopleReports.find((r) => r.route === route);
  if (!report) throw new Error(`no report ${route}`);
  const res = await adminRoute(
    deps(),
    report,
  )(httpEvent(route, { query: { project: 'p1', ...query }, pathParameters }));
  expect(res.statusCode).toBe(200);
  return JSON.parse(res.body as string) as T;
}

async function walkAll(route: string, query: Record<string, string>, key: string) {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const body: Record<string, unknown> = await call(route, {
      ...query,
      ...(cursor ? { cursor } : {}),
    });
    items.push(...(body[key] as Record<string, unknown>[]));
    cursor = body.nextCursor as string | null;
    pages++;
  } while (cursor && pages < 200);
  return { items, pages };
}

const RANGE = { from: DAYS[0] as string, to: DAYS[2] as string };
const ACTIVITIES = 'GET /api/v1/analytics/users/activities';

beforeAll(async () => {
  t = await createTestTable();
  for (let b = 0; b < BATCHES; b++) {
    clock = T0 + b * 5 * MIN;
    await ingestAll(ingestDeps(t, now), [sqsRecord(b === 0 ? [...batch(b), RARE] : batch(b))]);
  }
  // Profiles on both user shards, for the list of every known user.
  clock = T0 + 20 * MIN;
  await ingestAll(ingestDeps(t, now), [
    sqsRecord(
      Array.from({ length: 9 }, (_, i) =>
        tallyEvent({
          userId: `w${i}`,
          event: 'activity.login',
          timestamp: '2026-11-10T10:00:00.000Z',
        }),
      ),
    ),
  ]);
});

describe('the activity feed over many log items', () => {
  it('pages newest first across items and days, to a null cursor', async () => {
    // 3 days × 4 ingests × 3 events + the rare one = 37, 5 a page: 8 pages
    const { items, pages } = await walkAll(ACTIVITIES, { ...RANGE, limit: '5' }, 'activities');
    expect(pages).toBe(8);
    expect(items.map((a) => a.messageId)).toEqual(ALL_IDS);
  });

  it("reads only the rare user's days, found by their markers", async () => {
    logQueries.length = 0;
    const body = await call<{ activities: { messageId: string }[] }>(ACTIVITIES, {
      ...RANGE,
      user_id: 'rare',
    });
    expect(body.activities.map((a) => a.messageId)).toEqual(['rare-1']);
    expect(new Set(logQueries)).toEqual(new Set([factLogPartition('p1', '2026-11-18')]));
  });

  it('ends a page early at the read budget, with a cursor that loses nothing', async () => {
    const seen: string[] = [];
    let from: Parameters<typeof walkLog>[2]['from'];
    let rounds = 0;
    do {
      const { hits, next } = await walkLog(deps(), 'p1', {
        days: [...DAYS].reverse(),
        from,
        limit: 100,
        match: () => true,
        budget: 1,
      });
      seen.push(...hits.map((h) => h.fact.id));
      from = next ?? undefined;
      rounds++;
    } while (from && rounds < 50);
    // One read a round: 4 items a day, then an empty query that ends the day (3 × 5).
    expect(rounds).toBe(15);
    expect(seen).toEqual(ALL_IDS);
  });

  it('refuses a cursor of another day range', async () => {
    const first = await call<{ nextCursor: string }>(ACTIVITIES, { ...RANGE, limit: '2' });
    await expect(
      adminRoute(
        deps(),
        peopleReports.find((r) => r.route === ACTIVITIES) as never,
      )(
        httpEvent(ACTIVITIES, {
          query: { project: 'p1', from: DAYS[1] as string, to: RANGE.to, cursor: first.nextCursor },
        }),
      ),
    ).rejects.toThrow(ValidationError);
  });
});

describe('the list of every known user', () => {
  it('merges the shards by userId, page after page', async () => {
    const { items, pages } = await walkAll(
      'GET /api/v1/analytics/users/list',
      { limit: '4' },
      'users',
    );
    // anon:v9, rare, u1, u2 and w0-w8: 13 users, 4 a page
    expect(pages).toBe(4);
    expect(items.map((u) => u.userId)).toEqual([
      'anon:v9',
      'rare',
      'u1',
      'u2',
      ...Array.from({ length: 9 }, (_, i) => `w${i}`),
    ]);
  });

  it('searches every user by a part of the userId, ignoring case, page after page', async () => {
    const LIST = 'GET /api/v1/analytics/users/list';
    const search = await walkAll(LIST, { limit: '2', q: 'W' }, 'users');
    expect(search.items.map((u) => u.userId)).toEqual(Array.from({ length: 9 }, (_, i) => `w${i}`));
    expect(search.pages).toBe(5);
    expect((await walkAll(LIST, { q: 'nobody' }, 'users')).items).toEqual([]);

    // Active only: the same rule over the range's users, with their figures.
    const active = await walkAll(LIST, { ...RANGE, active_only: 'true', limit: '500' }, 'users');
    const found = await walkAll(
      LIST,
      { ...RANGE, active_only: 'true', limit: '1', q: 'U' },
      'users',
    );
    const expected = active.items.filter((u) => (u.userId as string).includes('u'));
    expect(expected.length).toBeGreaterThan(1);
    expect(found.items).toEqual(expected);

    // A page of one search does not continue another.
    const first = await call<{ nextCursor: string }>(LIST, { limit: '2', q: 'w' });
    await expect(
      adminRoute(
        deps(),
        peopleReports.find((r) => r.route === LIST) as never,
      )(httpEvent(LIST, { query: { project: 'p1', limit: '2', cursor: first.nextCursor } })),
    ).rejects.toThrow(ValidationError);
  });

  it('takes a search as plain text, and refuses one over 200 characters', async () => {
    const LIST = 'GET /api/v1/analytics/users/list';
    // Not a pattern: ".*" and "w?" match no userId.
    expect((await walkAll(LIST, { q: '.*' }, 'users')).items).toEqual([]);
    expect((await walkAll(LIST, { q: 'w?' }, 'users')).items).toEqual([]);
    await expect(call(LIST, { q: 'w'.repeat(201) })).rejects.toThrow(ValidationError);
  });
});

describe('the rollup', () => {
  it('changes no answer of any report once it rebuilt every day', async () => {
    const reports: [string, Record<string, string>, Record<string, string>?][] = [
      [ACTIVITIES, { ...RANGE, limit: '500' }],
      [ACTIVITIES, { ...RANGE, user_id: 'anon:v9' }],
      ['GET /api/v1/analytics/events', { ...RANGE, event: 'message.sent', limit: '100' }],
      ['GET /api/v1/analytics/users/top', RANGE],
      ['GET /api/v1/analytics/users/list', { ...RANGE, active_only: 'true' }],
      ['GET /api/v1/analytics/conversations', RANGE],
      ['GET /api/v1/analytics/conversations/{id}', RANGE, { id: 'c-2026-11-19' }],
      ['GET /api/v1/analytics/resources/top', RANGE],
      ['GET /api/v1/analytics/resources/{type}/{id}', RANGE, { type: 'agent', id: 'a1' }],
    ];
    const answers = () => Promise.all(reports.map(([route, q, p]) => call(route, q, p)));
    const live = await answers();

    clock = T0 + 60 * MIN;
    const rollup = rollupDeps(t, now);
    const rebuilt = [];
    for (const day of DAYS) rebuilt.push(await rollupDay(rollup, 'p1', day));
    // Each day: 4 ingests × 3 events, plus the rare event on the first
    expect(rebuilt.map((r) => r.events)).toEqual([13, 12, 12]);
    expect(await answers()).toEqual(live);

    // And the figures are the known ones. u1: one message a batch and day = 12, 10 tokens each.
    const top = live[3] as {
      users: { userId: string; events: number; messages: number; tokens: number }[];
    };
    expect(top.users.map((u) => [u.userId, u.events, u.messages, u.tokens])).toEqual([
      ['u1', 12, 12, 120],
      ['anon:v9', 12, 0, 0], // 12 page views; ties with u2 on events and messages and tokens → by id
      ['u2', 12, 0, 0],
      ['rare', 1, 0, 0],
    ]);
    const a1 = live[8] as { resource: Record<string, unknown>; series: Record<string, unknown>[] };
    // 12 messages in 3 conversations (one a day); rt 100 each
    expect(a1.resource).toMatchObject({
      events: 12,
      conversations: 3,
      messages: 12,
      tokens: 120,
      avgResponseTimeMs: 100,
    });
    expect(a1.series.map((d) => [d.day, d.messages, d.conversations])).toEqual(
      DAYS.map((d) => [d, 4, 1]),
    );
    const c = live[6] as { conversation: Record<string, unknown> };
    // four messages at 00:00, 01:00, 02:00, 03:00 of 2026-11-19: no start or end tracked
    expect(c.conversation).toMatchObject({
      messages: 4,
      tokens: 40,
      status: 'active',
      durationMs: 3 * 60 * MIN,
    });
  });
});

describe('the raw event listing', () => {
  it('leaves out an event whose raw item is gone (a deleted user)', async () => {
    const newest = ALL_IDS.filter((id) => id.endsWith('-0')).slice(0, 3);
    await t.ddb.send(
      new DeleteCommand({
        TableName: t.tableName,
        Key: keys.rawEvent('p1', newest[0] as string, t.storage.eventShards),
      }),
    );
    const body = await call<{ events: { messageId: string; properties: unknown }[] }>(
      'GET /api/v1/analytics/events',
      { ...RANGE, event: 'message.sent', limit: '3' },
    );
    expect(body.events.map((e) => e.messageId)).toEqual(newest.slice(1));
    expect(body.events[0]?.properties).toEqual({
      conversationId: 'c-2026-11-20',
      agentId: 'a1',
      tokens: 10,
      responseTimeMs: 100,
    });
  });
});
