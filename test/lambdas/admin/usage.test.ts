/**
 * The usage reports against DynamoDB Local, with a controlled clock: a hand-made dataset on five
 * days, and every figure of every report computed by hand. The same answers must come from the
 * live layer, from a rollup that leaves the newest bucket live, and from a full rollup.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminDeps } from '../../../lambdas/admin/report.ts';
import type { DailyRow } from '../../../lambdas/admin/reports/usage/daily-stats.ts';
import { costTable, forecastOf, monthOf } from '../../../lambdas/admin/reports/usage/tokens.ts';
import { usageReports } from '../../../lambdas/admin/reports/usage.ts';
import { adminRoute } from '../../../lambdas/admin/routes.ts';
import { DEFAULT_TOKEN_PRICES } from '../../../lambdas/contract/config/admin.ts';
import { counterPartition, period } from '../../../lambdas/contract/keys.ts';
import type { HttpEvent } from '../../../lambdas/http/json.ts';
import type { Verifier } from '../../../lambdas/http/jwt.ts';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import { UnauthorizedError } from '../../../lambdas/model/errors.ts';
import type { TallyEvent } from '../../../lambdas/model/events.ts';
import { rollupDay } from '../../../lambdas/rebuild/rollup.ts';
import { adminDeps, ingestDeps, rollupDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { httpEvent, sqsRecord, tallyEvent } from '../../helpers/events.ts';
import { respond } from '../../helpers/route.ts';

/** The reports' clock: noon on Sunday 2026-11-22, so `7d` is 2026-11-16 … 2026-11-22 (ISO week 47). */
const NOW = Date.parse('2026-11-22T12:00:00Z');
const MIN = 60_000;

// claude-3-haiku gets a `total` price to show how tokens without a kind are priced.
const PRICES = {
  ...DEFAULT_TOKEN_PRICES,
  'claude-3-haiku': { input: 0.25, output: 1.25, total: 1 },
};

let t: TestTable;
let deps: AdminDeps;

const verify: Verifier = async (authorization) => {
  const base = { subject: 'tester', roles: ['admin'], scopes: [] };
  if (authorization === 'Bearer admin') return { ...base, projects: undefined };
  if (authorization === 'Bearer p2-only') return { ...base, projects: ['p2'] };
  throw new UnauthorizedError();
};

/** Runs the usage report the event names as the admin function would, errors mapped to responses. */
const handle = (event: HttpEvent) =>
  respond(async (e) => {
    const report = usageReports.find((r) => r.route === e.routeKey);
    if (!report) throw new Error(`no route ${e.routeKey}`);
    return adminRoute(deps, report)(e);
  }, event);

async function get(
  path: string,
  query: Record<string, string> = {},
  token = 'admin',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await handle(
    httpEvent(`GET /api/v1/analytics/${path}`, {
      query: { project: 'p1', ...query },
      headers: { authorization: `Bearer ${token}` },
    }),
  );
  return { status: res.statusCode ?? 0, body: JSON.parse(res.body ?? '{}') };
}

const ok = async (path: string, query: Record<string, string> = {}) => {
  const res = await get(path, query);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

// ---- the dataset ----

const ev = (
  day: string,
  time: string,
  userId: string | undefined,
  event: string,
  properties: Record<string, unknown> = {},
  extra: Partial<TallyEvent> = {},
) =>
  tallyEvent({
    projectId: 'p1',
    userId,
    event,
    properties,
    timestamp: `${day}T${time}:00.000Z`,
    ...extra,
  });

/** Stored at 11:00 (folded by the first rollup). */
const batchA: TallyEvent[] = [
  // 2026-11-03: in the current month, outside the range and the previous period.
  ev('2026-11-03', '09:00', 'ada', 'message.sent', {
    conversationId: 'c0',
    model: 'gpt-4o',
    inputTokens: 400,
    outputTokens: 600,
    responseTimeMs: 500,
    role: 'assistant',
  }),
  // 2026-11-12: the previous period of `7d`.
  ev('2026-11-12', '09:00', 'bob', 'activity.login'),
  ev('2026-11-12', '09:05', 'bob', 'message.sent', {
    model: 'gpt-4o-mini',
    tokens: 200,
    responseTimeMs: 300,
    role: 'user',
  }),
  ev('2026-11-12', '09:10', 'bob', 'api.request', {
    endpoint: '/v1/users',
    method: 'GET',
    statusCode: 200,
    durationMs: 40,
  }),
  // 2026-11-20
  ev('2026-11-20', '08:10', 'ada', 'conversation.started', { conversationId: 'c1' }),
  ev('2026-11-20', '08:14', 'ada', 'message.sent', {
    conversationId: 'c1',
    role: 'user',
    tokens: 50,
    model: 'gpt-4o',
  }),
  ev('2026-11-20', '08:15', 'ada', 'message.sent', {
    conversationId: 'c1',
    model: 'gpt-4o',
    inputTokens: 100,
    outputTokens: 300,
    responseTimeMs: 800,
    role: 'assistant',
  }),
  ev('2026-11-20', '08:20', 'cy', 'api.request', {
    endpoint: '/v1/chat',
    method: 'POST',
    statusCode: 200,
    durationMs: 120,
  }),
  ev('2026-11-20', '08:21', 'cy', 'api.request', {
    endpoint: '/v1/chat',
    method: 'POST',
    statusCode: 500,
    durationMs: 900,
  }),
  ev(
    '2026-11-20',
    '14:00',
    undefined,
    '',
    {},
    {
      type: 'page',
      event: undefined,
      name: 'Home',
      anonymousId: 'v1',
    },
  ),
  // 2026-11-21
  ev('2026-11-21', '14:00', 'bob', '', {}, { type: 'identify', event: undefined }),
  ev('2026-11-21', '14:29', 'bob', 'conversation.started', { conversationId: 'c2' }),
  ev('2026-11-21', '14:30', 'bob', 'message.sent', {
    conversationId: 'c2',
    model: 'claude-3-haiku',
    tokens: 300,
    inputTokens: 100,
    outputTokens: 150,
    responseTimeMs: 200,
    role: 'assistant',
  }),
  ev('2026-11-21', '14:31', 'bob', 'api.request', {
    endpoint: '/v1/users',
    method: 'GET',
    statusCode: 404,
    durationMs: 30,
  }),
  ev('2026-11-21', '08:40', 'cy', 'message.sent', {
    conversationId: 'c3',
    model: 'mystery-llm',
    tokens: 100,
    responseTimeMs: 1200,
    role: 'assistant',
  }),
  ev('2026-11-21', '14:50', 'ada', 'chat.failed'),
  // 2026-11-22 (today), first part
  ev('2026-11-22', '10:05', 'ada', 'message.sent', {
    conversationId: 'c1',
    model: 'gpt-4o',
    tokens: 500,
    inputTokens: 200,
    outputTokens: 300,
    responseTimeMs: 600,
    role: 'assistant',
  }),
];

/** Stored at 11:59: still live after the first rollup. */
const batchB: TallyEvent[] = [
  ev('2026-11-22', '10:30', 'dan', 'conversation.started', { conversationId: 'c4' }),
  ev('2026-11-22', '10:31', 'dan', 'message.sent', { conversationId: 'c4', role: 'user' }),
  ev('2026-11-22', '10:40', 'dan', 'api.request', {
    endpoint: '/v1/users/42',
    method: 'GET',
    statusCode: 200,
    durationMs: 55,
  }),
  // No user; lower-case method and a trailing slash: the same endpoint as GET /v1/users.
  ev('2026-11-22', '10:41', undefined, 'api.request', {
    endpoint: '/v1/users/',
    method: 'get',
    statusCode: 200,
    durationMs: 45,
  }),
];

/** Another project: none of this may show in p1's reports. */
const otherProject: TallyEvent[] = [
  tallyEvent({
    projectId: 'p2',
    userId: 'ada',
    event: 'message.sent',
    timestamp: '2026-11-21T12:00:00.000Z',
    properties: { model: 'gpt-4o', tokens: 9999, conversationId: 'c1', responseTimeMs: 5 },
  }),
  tallyEvent({
    projectId: 'p2',
    userId: 'eve',
    event: 'api.request',
    timestamp: '2026-11-21T12:01:00.000Z',
    properties: { endpoint: '/v1/users', method: 'GET', statusCode: 503, durationMs: 7 },
  }),
];

const ingestAt = (at: number, events: TallyEvent[]) =>
  ingest(ingestDeps(t, at), [sqsRecord(events)]);

const rollupAt = async (at: number, projectId: string, days: string[]) => {
  for (const day of days) {
    await rollupDay(rollupDeps(t, at), projectId, day);
  }
};

const DATA_DAYS = ['2026-11-03', '2026-11-12', '2026-11-20', '2026-11-21', '2026-11-22'];

beforeAll(async () => {
  t = await createTestTable({ bucketSeconds: 300 });
  deps = adminDeps(t, NOW, {
    verify,
    tokenPrices: PRICES,
    insights: { sentimentProvider: 'lexicon', comprehendEndpoint: undefined, intentRules: [] },
  });
  await ingestAt(NOW - 60 * MIN, batchA);
  await ingestAt(NOW - 60 * MIN, otherProject);
  await ingestAt(NOW - MIN, batchB);
});

// ---- expected answers, by hand ----
// Per day (range 7d = 11-16 … 11-22; previous period 11-09 … 11-15):
//   11-12: events 3, messages 1 (200 tokens, rt 300), api 1 (0 errors), users {bob} (new)
//   11-20: events 6 (5 track + 1 page), messages 2 (50 + 400 = 450 tokens, rt 800),
//          1 conversation, api 2 (1 error: 500), errors 1 (the 500), users {ada, cy, anon:v1},
//          new {cy, anon:v1}
//   11-21: events 6 (5 track + 1 identify), messages 2 (300 + 100 = 400 tokens, rt 200, 1200),
//          1 conversation, api 1 (1 error: 404), errors 1 (chat.failed), users {bob, cy, ada}
//   11-22: events 5, messages 2 (500 tokens, rt 600), 1 conversation, api 2 (0 errors),
//          users {ada, dan}, new {dan}

async function expectOverview() {
  expect(await ok('overview', { range: '7d' })).toEqual({
    project: 'p1',
    range: {
      name: '7d',
      from: '2026-11-16',
      to: '2026-11-22',
      previous: { from: '2026-11-09', to: '2026-11-15' },
    },
    // 6 + 6 + 5 = 17 vs 3: (17 − 3) / 3 = 4.667
    totalEvents: { value: 17, previous: 3, change: 4.667 },
    // {ada, cy, anon:v1, bob, dan} vs {bob}: (5 − 1) / 1 = 4
    activeUsers: { value: 5, previous: 1, change: 4 },
    // cy, anon:v1, dan vs bob
    newUsers: { value: 3, previous: 1, change: 2 },
    conversations: { value: 3, previous: 0, change: null },
    messages: { value: 6, previous: 1, change: 5 },
    // 450 + 400 + 500 = 1350 vs 200: 1150 / 200 = 5.75
    tokens: { value: 1350, previous: 200, change: 5.75 },
    // (800 + 200 + 1200 + 600) / 4 = 700 vs 300: 400 / 300 = 1.333
    avgResponseTimeMs: { value: 700, previous: 300, change: 1.333 },
    apiCalls: { value: 5, previous: 1, change: 4 },
    // 2 / 5 (the 500 and the 404) vs 0 / 1
    apiErrorRate: { value: 0.4, previous: 0, change: null },
    errors: { value: 2, previous: 0, change: null },
    // Per weekday (Monday first) × UTC hour: Fri 11-20 08h 5, 14h 1 (the page); Sat 11-21 08h 1,
    // 14h 5 (with the identify); Sun 11-22 10h 5.
    peakUsage: { events: weekHours({ 4: { 8: 5, 14: 1 }, 5: { 8: 1, 14: 5 }, 6: { 10: 5 } }) },
  });
}

/** A 7 × 24 grid of zeros but the given `{ weekday: { hour: n } }`. */
const weekHours = (cells: Record<number, Record<number, number>>) =>
  Array.from({ length: 7 }, (_, d) => Array.from({ length: 24 }, (_, h) => cells[d]?.[h] ?? 0));

const row = (r: Record<string, unknown>) => ({ responseTimeExact: true, ...r });

async function expectDailyStats() {
  // All-time new users 5 (ada 11-03, bob 11-12, cy + anon:v1 11-20, dan 11-22); 3 in the range,
  // 0 on 11-23: 5 − 3 − 0 = 2 before 11-20.
  expect(await ok('daily-stats', { days: '3' })).toEqual({
    project: 'p1',
    range: { name: 'custom', from: '2026-11-20', to: '2026-11-22' },
    totalUsersBefore: 2,
    days: [
      row({
        date: '2026-11-20',
        totalUsers: 4, // 2 + 2
        activeUsers: 3,
        newUsers: 2,
        totalConversations: 1,
        totalMessages: 2,
        totalTokens: 450,
        totalApiCalls: 2,
        apiErrors: 1,
        avgResponseTimeMs: 800,
        p50ResponseTimeMs: 800,
        p95ResponseTimeMs: 800,
        errorCount: 1,
        events: 6,
      }),
      row({
        date: '2026-11-21',
        totalUsers: 4, // 4 + 0
        activeUsers: 3,
        newUsers: 0,
        totalConversations: 1,
        totalMessages: 2,
        totalTokens: 400,
        totalApiCalls: 1,
        apiErrors: 1,
        avgResponseTimeMs: 700, // (200 + 1200) / 2
        p50ResponseTimeMs: 200, // rank ⌈0.5 × 2⌉ = 1 of [200, 1200]
        p95ResponseTimeMs: 1200, // rank ⌈0.95 × 2⌉ = 2
        errorCount: 1,
        events: 6,
      }),
      row({
        date: '2026-11-22',
        totalUsers: 5, // 4 + 1
        activeUsers: 2,
        newUsers: 1,
        totalConversations: 1,
        totalMessages: 2,
        totalTokens: 500,
        totalApiCalls: 2,
        apiErrors: 0,
        avgResponseTimeMs: 600,
        p50ResponseTimeMs: 600,
        p95ResponseTimeMs: 600,
        errorCount: 0,
        events: 5,
      }),
    ],
  });
  // A past range: 5 − 1 (11-12) − 3 (11-13 … 11-23: cy, anon:v1, dan) = 1 (ada) before it.
  expect(await ok('daily-stats', { from: '2026-11-12', to: '2026-11-12' })).toEqual({
    project: 'p1',
    range: { name: 'custom', from: '2026-11-12', to: '2026-11-12' },
    totalUsersBefore: 1,
    days: [
      row({
        date: '2026-11-12',
        totalUsers: 2,
        activeUsers: 1,
        newUsers: 1,
        totalConversations: 0,
        totalMessages: 1,
        totalTokens: 200,
        totalApiCalls: 1,
        apiErrors: 0,
        avgResponseTimeMs: 300,
        p50ResponseTimeMs: 300,
        p95ResponseTimeMs: 300,
        errorCount: 0,
        events: 3,
      }),
    ],
  });
  // The default: 30 days ending today, 2026-10-24 … 2026-11-22, nobody before.
  const month = (await ok('daily-stats')) as { totalUsersBefore: number; days: DailyRow[] };
  expect(month.totalUsersBefore).toBe(0);
  expect(month.days).toHaveLength(30);
  expect(month.days.map((d) => d.date).slice(0, 2)).toEqual(['2026-10-24', '2026-10-25']);
  expect(month.days.filter((d) => d.events > 0).map((d) => [d.date, d.totalUsers])).toEqual([
    ['2026-11-03', 1],
    ['2026-11-12', 2],
    ['2026-11-20', 4],
    ['2026-11-21', 4],
    ['2026-11-22', 5],
  ]);
  expect(month.days[0]).toEqual(
    row({
      date: '2026-10-24',
      totalUsers: 0,
      activeUsers: 0,
      newUsers: 0,
      totalConversations: 0,
      totalMessages: 0,
      totalTokens: 0,
      totalApiCalls: 0,
      apiErrors: 0,
      avgResponseTimeMs: null,
      p50ResponseTimeMs: null,
      p95ResponseTimeMs: null,
      errorCount: 0,
      events: 0,
    }),
  );
}

async function expectEventCounts() {
  const names = [
    // 2 + 2 + 2
    { name: 'message.sent', count: 6 },
    // 2 + 1 + 2
    { name: 'api.request', count: 5 },
    { name: 'conversation.started', count: 3 },
    // equal counts list in code-unit order: 'H' < 'c'
    { name: 'Home', count: 1 },
    { name: 'chat.failed', count: 1 },
  ];
  const range = { name: '7d', from: '2026-11-16', to: '2026-11-22' };
  // 15 track (5 + 5 + 5), 1 identify, 1 page; identify has no name, so names add up to 16.
  const byType = [
    { type: 'track', count: 15 },
    { type: 'identify', count: 1 },
    { type: 'page', count: 1 },
  ];
  expect(await ok('event-counts')).toEqual({
    project: 'p1',
    range,
    totalEvents: 17,
    byType,
    byName: names,
    distinctNames: 5,
  });
  expect(await ok('event-counts', { limit: '2' })).toEqual({
    project: 'p1',
    range,
    totalEvents: 17,
    byType,
    byName: names.slice(0, 2),
    distinctNames: 5,
  });
}

const point = (period: string, from: string, to: string, messages: number, tokens: number) => ({
  period,
  from,
  to,
  messages,
  tokens,
});

async function expectMessages() {
  const byHour = Array.from({ length: 24 }, () => 0);
  byHour[8] = 3; // 11-20 08:14, 08:15; 11-21 08:40
  byHour[10] = 2; // 11-22 10:05, 10:31
  byHour[14] = 1; // 11-21 14:30
  expect(await ok('messages', { range: '7d' })).toEqual({
    project: 'p1',
    range: { name: '7d', from: '2026-11-16', to: '2026-11-22' },
    total: 6,
    granularity: 'day',
    series: [
      point('2026-11-16', '2026-11-16', '2026-11-16', 0, 0),
      point('2026-11-17', '2026-11-17', '2026-11-17', 0, 0),
      point('2026-11-18', '2026-11-18', '2026-11-18', 0, 0),
      point('2026-11-19', '2026-11-19', '2026-11-19', 0, 0),
      point('2026-11-20', '2026-11-20', '2026-11-20', 2, 450),
      point('2026-11-21', '2026-11-21', '2026-11-21', 2, 400),
      point('2026-11-22', '2026-11-22', '2026-11-22', 2, 500),
    ],
    peakHours: {
      byHour,
      top: [
        { hour: 8, messages: 3 },
        { hour: 10, messages: 2 },
        { hour: 14, messages: 1 },
      ],
    },
    // sorted [200, 600, 800, 1200]: p50 = rank 2, p95 = p99 = rank 4; mean 2800 / 4
    responseTimeMs: { count: 4, avg: 700, p50: 600, p95: 1200, p99: 1200, exact: true },
    byRole: [
      { role: 'assistant', messages: 4 },
      { role: 'user', messages: 2 },
    ],
    byModel: [
      { model: 'gpt-4o', messages: 3, tokens: 950 }, // 50 + 400 + 500
      { model: '(unknown)', messages: 1, tokens: 0 }, // dan's message names no model
      { model: 'claude-3-haiku', messages: 1, tokens: 300 },
      { model: 'mystery-llm', messages: 1, tokens: 100 },
    ],
  });
  // Weeks start on Monday: 11-09 … 11-15 is 2026-W46 (cut by the range to 11-10 … 11-15).
  const weeks = await ok('messages', {
    granularity: 'week',
    from: '2026-11-10',
    to: '2026-11-22',
  });
  expect(weeks.series).toEqual([
    point('2026-W46', '2026-11-10', '2026-11-15', 1, 200),
    point('2026-W47', '2026-11-16', '2026-11-22', 6, 1350),
  ]);
  // November: 1 + 1 + 6 = 8 messages, 1000 + 200 + 1350 = 2550 tokens.
  const months = await ok('messages', {
    granularity: 'month',
    from: '2026-10-30',
    to: '2026-11-22',
  });
  expect([months.total, months.series]).toEqual([
    8,
    [
      point('2026-10', '2026-10-30', '2026-10-31', 0, 0),
      point('2026-11', '2026-11-01', '2026-11-22', 8, 2550),
    ],
  ]);
}

async function expectTokens() {
  const forecast = {
    month: '2026-11',
    daysInMonth: 30,
    // 2026-11-01T00:00 → 2026-11-22T12:00
    elapsedDays: 21.5,
    // 11-03: 1000, 11-12: 200, range: 1350
    tokensSoFar: 2550,
    // gpt-4o (700 in × 2.5 + 1200 out × 10 + 50 other × 2.5) = 13875
    // + gpt-4o-mini (200 other × 0.15) = 30
    // + claude-3-haiku (100 × 0.25 + 150 × 1.25 + 50 × 1) = 262.5   → 14167.5 / 1e6
    costSoFar: 0.0141675,
    // 2550 × 30 / 21.5 = 3558.14
    tokens: 3558,
    // 0.0141675 × 30 / 21.5 = 0.019768604…
    cost: 0.0197686,
    unpricedModels: ['mystery-llm'],
  };
  const byModel = [
    // (300 × 2.5 + 600 × 10 + 50 × 2.5) / 1e6: 50 tokens of 11-20 came without a kind
    {
      model: 'gpt-4o',
      messages: 3,
      tokens: 950,
      inputTokens: 300,
      outputTokens: 600,
      cost: 0.006875,
    },
    // (100 × 0.25 + 150 × 1.25 + 50 × 1) / 1e6
    {
      model: 'claude-3-haiku',
      messages: 1,
      tokens: 300,
      inputTokens: 100,
      outputTokens: 150,
      cost: 0.0002625,
    },
    { model: 'mystery-llm', messages: 1, tokens: 100, inputTokens: 0, outputTokens: 0, cost: null },
    { model: '(unknown)', messages: 1, tokens: 0, inputTokens: 0, outputTokens: 0, cost: 0 },
  ];
  const byUser = [
    { userId: 'ada', tokens: 950, messages: 3, events: 5 },
    { userId: 'bob', tokens: 300, messages: 1, events: 4 },
    { userId: 'cy', tokens: 100, messages: 1, events: 3 },
  ];
  const byConversation = [
    { conversationId: 'c1', userId: 'ada', tokens: 950, messages: 3 },
    { conversationId: 'c2', userId: 'bob', tokens: 300, messages: 1 },
    { conversationId: 'c3', userId: 'cy', tokens: 100, messages: 1 },
  ];
  const base = {
    project: 'p1',
    range: { name: '7d', from: '2026-11-16', to: '2026-11-22' },
    total: 1350,
    byModel,
    cost: 0.0071375, // 0.006875 + 0.0002625
    unpricedModels: ['mystery-llm'],
    forecast,
  };
  expect(await ok('tokens')).toEqual({ ...base, byUser, byConversation });
  expect(await ok('tokens', { limit: '1' })).toEqual({
    ...base,
    byUser: byUser.slice(0, 1),
    byConversation: byConversation.slice(0, 1),
  });
}

const endpoint = (e: Record<string, unknown>) => ({ latencyExact: true, ...e });

async function expectApiUsage() {
  const chat = endpoint({
    method: 'POST',
    endpoint: '/v1/chat',
    count: 2,
    errors: 1,
    errorRate: 0.5,
    avgMs: 510, // (120 + 900) / 2
    p50Ms: 120,
    p95Ms: 900,
    p99Ms: 900,
    status: { '200': 1, '500': 1 },
  });
  const users = endpoint({
    method: 'GET',
    endpoint: '/v1/users',
    count: 2,
    errors: 1,
    errorRate: 0.5,
    avgMs: 37.5, // (30 + 45) / 2
    p50Ms: 30,
    p95Ms: 45,
    p99Ms: 45,
    status: { '200': 1, '404': 1 },
  });
  const user42 = endpoint({
    method: 'GET',
    endpoint: '/v1/users/42',
    count: 1,
    errors: 0,
    errorRate: 0,
    avgMs: 55,
    p50Ms: 55,
    p95Ms: 55,
    p99Ms: 55,
    status: { '200': 1 },
  });
  const range = { name: '7d', from: '2026-11-16', to: '2026-11-22' };
  expect(await ok('api-usage')).toEqual({
    project: 'p1',
    range,
    // sorted [30, 45, 55, 120, 900]: p50 = rank 3, p95 = p99 = rank 5; mean 1150 / 5
    totals: endpoint({
      count: 5,
      errors: 2,
      errorRate: 0.4,
      avgMs: 230,
      p50Ms: 55,
      p95Ms: 900,
      p99Ms: 900,
      status: { '200': 3, '404': 1, '500': 1 },
      endpoints: 3,
    }),
    // equal counts: '/v1/chat' before '/v1/users'
    endpoints: [chat, users, user42],
  });
  // A prefix: [30, 45, 55], mean 130 / 3 = 43.3, p50 = rank 2
  expect(await ok('api-usage', { endpoint: '/v1/users*' })).toEqual({
    project: 'p1',
    range,
    totals: endpoint({
      count: 3,
      errors: 1,
      errorRate: 0.3333,
      avgMs: 43.3,
      p50Ms: 45,
      p95Ms: 55,
      p99Ms: 55,
      status: { '200': 2, '404': 1 },
      endpoints: 2,
    }),
    endpoints: [users, user42],
  });
  const only = (e: Record<string, unknown>) => {
    const { method: _m, endpoint: _e, ...totals } = e;
    return { project: 'p1', range, totals: { ...totals, endpoints: 1 }, endpoints: [e] };
  };
  expect(await ok('api-usage', { endpoint: '/v1/users' })).toEqual(only(users));
  expect(await ok('api-usage', { method: 'post' })).toEqual(only(chat));
}

async function expectEveryReport() {
  await expectOverview();
  await expectDailyStats();
  await expectEventCounts();
  await expectMessages();
  await expectTokens();
  await expectApiUsage();
}

describe('usage reports on a hand-computed dataset', () => {
  it('answers exactly from the live layer, before any rollup', async () => {
    await expectEveryReport();
  });

  it('answers the same when the rollup has folded all but the newest bucket', async () => {
    // Watermark: the 5-minute bucket of 12:00 − 90 s = 11:55, so batch B (stored 11:59) stays live.
    await rollupAt(NOW, 'p1', DATA_DAYS);
    const today = await t.query(counterPartition('p1', period.day('2026-11-22')));
    expect(today.find((i) => i.sk === 'R')).toMatchObject({ watermark: '2026-11-22T11:55' });
    expect(today.map((i) => i.sk)).toContain('B#2026-11-22T11:55');
    await expectEveryReport();
  });

  it('answers the same when everything is rebuilt', async () => {
    await rollupAt(NOW + 30 * MIN, 'p1', DATA_DAYS);
    for (const day of DATA_DAYS) {
      // Only the rollup item is left: every figure now comes from the rebuilt layer.
      expect((await t.query(counterPartition('p1', period.day(day)))).map((i) => i.sk)).toEqual([
        'R',
      ]);
    }
    await expectEveryReport();
  });
});

describe('edges', () => {
  it('leaves totalUsers empty rather than read over 400 days after an old range', async () => {
    const old = (await ok('daily-stats', { from: '2024-01-01', to: '2024-01-02' })) as {
      totalUsersBefore: number | null;
      days: DailyRow[];
    };
    expect(old.totalUsersBefore).toBeNull();
    expect(old.days.map((d) => [d.date, d.totalUsers, d.events])).toEqual([
      ['2024-01-01', null, 0],
      ['2024-01-02', null, 0],
    ]);
  });

  it('labels ISO weeks across a year end', async () => {
    // 2026-12-31 is a Thursday: 2026 has a week 53, which runs to Sunday 2027-01-03.
    const weeks = await ok('messages', {
      granularity: 'week',
      from: '2026-12-27',
      to: '2027-01-04',
    });
    expect(weeks.series).toEqual([
      point('2026-W52', '2026-12-27', '2026-12-27', 0, 0),
      point('2026-W53', '2026-12-28', '2027-01-03', 0, 0),
      point('2027-W01', '2027-01-04', '2027-01-04', 0, 0),
    ]);
  });

  it('forecasts the first hours of a month from one elapsed day, not a fraction of one', () => {
    const month = monthOf(Date.parse('2026-02-01T06:00:00Z'));
    expect(month).toMatchObject({ month: '2026-02', daysInMonth: 28, elapsedDays: 1 });
    const costs = costTable(
      { 'gpt-4o': { messages: 1, tokens: 10, inputTokens: 10, outputTokens: 0 } },
      PRICES,
    );
    // 10 tokens × 28 / 1; (10 × 2.5 / 1e6) × 28
    expect(forecastOf(month, 10, costs)).toMatchObject({ tokens: 280, cost: 0.0007 });
  });
});

describe('validation', () => {
  it.each([
    ['overview', { range: '1y' }, 'range'],
    ['daily-stats', { days: '0' }, 'days'],
    ['daily-stats', { days: '401' }, 'days'],
    ['messages', { granularity: 'year' }, 'granularity'],
    ['event-counts', { limit: 'ten' }, 'limit'],
    ['tokens', { from: '2026-13-01' }, 'from'],
    ['api-usage', { from: '2026-11-22', to: '2026-11-01' }, 'from'],
    ['api-usage', { method: 'GET /x' }, 'method'],
  ])('%s with %j is a 400 naming %s', async (path, query, name) => {
    const res = await get(path, query);
    expect(res.status).toBe(400);
    const error = res.body.error as { code: string; message: string };
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain(name);
  });
});

describe('project scoping', () => {
  it('shows only the project asked for', async () => {
    const tokens = (await get('tokens', { project: 'p2' })).body;
    expect(tokens).toMatchObject({
      project: 'p2',
      total: 9999,
      byUser: [{ userId: 'ada', tokens: 9999, messages: 1, events: 1 }],
      byConversation: [{ conversationId: 'c1', userId: 'ada', tokens: 9999, messages: 1 }],
    });
    const api = (await get('api-usage', { project: 'p2' })).body as {
      endpoints: { status: Record<string, number> }[];
    };
    expect(api.endpoints.map((e) => e.status)).toEqual([{ '503': 1 }]);
    const overview = (await get('overview', { project: 'p2' })).body;
    expect(overview).toMatchObject({
      totalEvents: { value: 2 },
      activeUsers: { value: 2 },
      errors: { value: 1 },
    });
  });

  it('refuses a project the token does not cover', async () => {
    for (const r of usageReports) {
      const path = r.route.replace('GET /api/v1/analytics/', '');
      const res = await get(path, { project: 'p1' }, 'p2-only');
      expect([path, res.status]).toEqual([path, 403]);
    }
    // The token's only project is the default.
    const res = await handle(
      httpEvent('GET /api/v1/analytics/overview', { headers: { authorization: 'Bearer p2-only' } }),
    );
    expect(JSON.parse(res.body ?? '{}').project).toBe('p2');
  });
});
