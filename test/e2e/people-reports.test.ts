/**
 * The people reports through the local twin, on a small dataset whose answers were worked out by
 * hand: users, activity, raw events, conversations and resources, the same before and after the
 * rollup, paged without gaps or repeats, and never mixing projects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivitiesBody, EventsBody } from '../../lambdas/admin/reports/people/activity.ts';
import type {
  ConversationBody,
  ConversationsBody,
} from '../../lambdas/admin/reports/people/conversations.ts';
import type {
  ResourceBody,
  TopResourcesBody,
} from '../../lambdas/admin/reports/people/resources.ts';
import type { TopUsersBody, UserListBody } from '../../lambdas/admin/reports/people/users.ts';
import { storageConfig } from '../../lambdas/contract/config/storage.ts';
import { addDays, dayOf } from '../../lambdas/model/time.ts';
import { runJob } from '../../lambdas/rebuild/jobs.ts';
import type { LocalStack } from '../../local/stack.ts';
import { silentLog } from '../helpers/events.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;

// Three whole past days, so no event is near "now" and every report can name them.
const TODAY = dayOf(Date.now());
const D1 = addDays(TODAY, -3);
const D2 = addDays(TODAY, -2);
const D3 = addDays(TODAY, -1);
const RANGE = `from=${D1}&to=${D3}`;
const CUSTOM = { name: 'custom', from: D1, to: D3 };
const at = (day: string, hhmm: string) => `${day}T${hhmm}:00.000Z`;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

type Message = Record<string, unknown>;
const track = (
  id: string,
  day: string,
  hhmm: string,
  userId: string,
  event: string,
  properties = {},
) =>
  ({
    type: 'track',
    messageId: id,
    timestamp: at(day, hhmm),
    userId,
    event,
    properties,
  }) as Message;
const page = (id: string, day: string, hhmm: string, anonymousId: string, name: string) =>
  ({
    type: 'page',
    messageId: id,
    timestamp: at(day, hhmm),
    anonymousId,
    name,
    properties: { url: `https://shop.test/${name.toLowerCase()}` },
  }) as Message;

const c1 = { conversationId: 'c1', agentId: 'a1', channel: 'web' };
const c2 = { conversationId: 'c2', agentId: 'a2', channel: 'slack' };
const gpt = { model: 'gpt-4o', role: 'assistant' };

/**
 * The dataset, in three groups for readability; sent in one request, so each day's events are one
 * fact-log item and "newest first" is exact. (Items of one storage bucket come in no particular
 * order; the unit tests page across many items with a controlled clock.)
 */
const CHUNKS: Message[][] = [
  [
    track('e01', D1, '09:00', 'ada', 'activity.login'),
    track('e02', D1, '09:01', 'ada', 'conversation.started', { ...c1, status: 'active' }),
    track('e03', D1, '09:02', 'ada', 'message.sent', {
      ...c1,
      ...gpt,
      tokens: 100,
      responseTimeMs: 400,
    }),
    track('e04', D1, '09:03', 'ada', 'message.sent', {
      ...c1,
      ...gpt,
      tokens: 50,
      responseTimeMs: 800,
    }),
    page('e05', D1, '10:00', 'v1', 'Home'),
    track('e06', D1, '11:00', 'bob', 'activity.login'),
    track('e07', D2, '08:00', 'bob', 'conversation.started', c2),
    track('e08', D2, '08:01', 'bob', 'message.sent', { ...c2, tokens: 30, responseTimeMs: 200 }),
    track('e09', D2, '08:02', 'bob', 'agent.error', { agentId: 'a2' }),
  ],
  [
    track('e10', D2, '08:05', 'ada', 'message.sent', { ...c1, tokens: 70 }),
    track('e11', D2, '08:06', 'ada', 'feedback.submitted', {
      agentId: 'a1',
      conversationId: 'c1',
      rating: 4,
    }),
    page('e12', D2, '12:00', 'v1', 'Pricing'),
    {
      type: 'identify',
      messageId: 'e13',
      timestamp: at(D3, '08:00'),
      userId: 'cy',
      traits: { plan: 'pro' },
    },
    track('e14', D3, '09:00', 'ada', 'conversation.ended', { conversationId: 'c1', agentId: 'a1' }),
  ],
  [
    track('e15', D3, '09:30', 'cy', 'conversation.started', {
      conversationId: 'c3',
      workflowId: 'w1',
    }),
    track('e16', D3, '09:31', 'cy', 'message.sent', {
      conversationId: 'c3',
      workflowId: 'w1',
      channel: 'web',
      tokens: 20,
      responseTimeMs: 1000,
    }),
    track('e17', D3, '09:40', 'cy', 'conversation.ended', {
      conversationId: 'c3',
      workflowId: 'w1',
      status: 'deleted',
    }),
    track('e18', D3, '10:00', 'bob', 'conversation.updated', {
      conversationId: 'c2',
      status: 'escalated',
    }),
    track('e19', D3, '10:05', 'bob', 'feedback.submitted', { agentId: 'a2', rating: 2 }),
    track('e20', D3, '10:06', 'cy', 'feedback.submitted', { agentId: 'a2', rating: 5 }),
  ],
];

/** Another project, with the same user, conversation and agent ids: none of it may leak. */
const OTHER: Message[] = [
  track('o1', D2, '09:00', 'zed', 'message.sent', { ...c1, tokens: 999, responseTimeMs: 5 }),
  track('o2', D3, '07:00', 'ada', 'activity.login'),
  track('o3', D3, '07:30', 'zed', 'agent.error', { agentId: 'a1' }),
];

// ---- the answers, by hand ----

/** Every event, newest first: [messageId, actor, activityType, type, day, time]. */
const FEED: [string, string, string, string, string, string][] = [
  ['e20', 'cy', 'feedback.submitted', 'track', D3, '10:06'],
  ['e19', 'bob', 'feedback.submitted', 'track', D3, '10:05'],
  ['e18', 'bob', 'conversation.updated', 'track', D3, '10:00'],
  ['e17', 'cy', 'conversation.ended', 'track', D3, '09:40'],
  ['e16', 'cy', 'message.sent', 'track', D3, '09:31'],
  ['e15', 'cy', 'conversation.started', 'track', D3, '09:30'],
  ['e14', 'ada', 'conversation.ended', 'track', D3, '09:00'],
  ['e13', 'cy', 'identify', 'identify', D3, '08:00'],
  ['e12', 'anon:v1', 'Pricing', 'page', D2, '12:00'],
  ['e11', 'ada', 'feedback.submitted', 'track', D2, '08:06'],
  ['e10', 'ada', 'message.sent', 'track', D2, '08:05'],
  ['e09', 'bob', 'agent.error', 'track', D2, '08:02'],
  ['e08', 'bob', 'message.sent', 'track', D2, '08:01'],
  ['e07', 'bob', 'conversation.started', 'track', D2, '08:00'],
  ['e06', 'bob', 'activity.login', 'track', D1, '11:00'],
  ['e05', 'anon:v1', 'Home', 'page', D1, '10:00'],
  ['e04', 'ada', 'message.sent', 'track', D1, '09:03'],
  ['e03', 'ada', 'message.sent', 'track', D1, '09:02'],
  ['e02', 'ada', 'conversation.started', 'track', D1, '09:01'],
  ['e01', 'ada', 'activity.login', 'track', D1, '09:00'],
];
const activity = ([messageId, actor, activityType, type, day, hhmm]: (typeof FEED)[number]) => ({
  messageId,
  userId: actor.startsWith('anon:') ? null : actor,
  anonymousId: actor.startsWith('anon:') ? actor.slice(5) : null,
  activityType,
  type,
  timestamp: at(day, hhmm),
});
const feedOf = (actor?: string) =>
  FEED.filter((f) => actor === undefined || f[1] === actor).map(activity);

const TOP_USERS = [
  // ada: e01 e02 e03 e04 e10 e11 e14 = 7 events; messages e03 e04 e10; tokens 100 + 50 + 70
  {
    userId: 'ada',
    events: 7,
    messages: 3,
    tokens: 220,
    firstSeen: at(D1, '09:00'),
    lastSeen: at(D3, '09:00'),
  },
  // bob: e06 e07 e08 e09 e18 e19 = 6; message e08 (30 tokens)
  {
    userId: 'bob',
    events: 6,
    messages: 1,
    tokens: 30,
    firstSeen: at(D1, '11:00'),
    lastSeen: at(D3, '10:05'),
  },
  // cy: e13 e15 e16 e17 e20 = 5; message e16 (20 tokens)
  {
    userId: 'cy',
    events: 5,
    messages: 1,
    tokens: 20,
    firstSeen: at(D3, '08:00'),
    lastSeen: at(D3, '10:06'),
  },
  // the anonymous visitor: pages e05 e12
  {
    userId: 'anon:v1',
    events: 2,
    messages: 0,
    tokens: 0,
    firstSeen: at(D1, '10:00'),
    lastSeen: at(D2, '12:00'),
  },
];
/** By userId, UTF-8 order: 'ada' < 'anon:v1' ('d' < 'n') < 'bob' < 'cy'. */
const byId = (ids: string[]) => ids.map((id) => TOP_USERS.find((u) => u.userId === id));

const C1 = {
  conversationId: 'c1',
  userId: 'ada',
  messages: 3, // e03 e04 e10
  tokens: 220, // 100 + 50 + 70
  avgResponseTimeMs: 600, // (400 + 800) / 2; e10 reported none
  status: 'ended', // "active" at e02, then the end e14 (no status) came later
  startedAt: at(D1, '09:01'),
  endedAt: at(D3, '09:00'),
  durationMs: 2 * DAY - MIN, // D1 09:01 → D3 09:00
  firstActivityAt: at(D1, '09:01'),
  lastActivityAt: at(D3, '09:00'),
  resources: [
    { type: 'agent', id: 'a1' },
    { type: 'channel', id: 'web' },
  ],
};
const C2 = {
  conversationId: 'c2',
  userId: 'bob',
  messages: 1,
  tokens: 30,
  avgResponseTimeMs: 200,
  status: 'escalated', // reported by e18, no end
  startedAt: at(D2, '08:00'),
  endedAt: null,
  durationMs: DAY + 2 * HOUR, // no end: last − first = D2 08:00 → D3 10:00
  firstActivityAt: at(D2, '08:00'),
  lastActivityAt: at(D3, '10:00'),
  resources: [
    { type: 'agent', id: 'a2' },
    { type: 'channel', id: 'slack' },
  ],
};
const C3 = {
  conversationId: 'c3',
  userId: 'cy',
  messages: 1,
  tokens: 20,
  avgResponseTimeMs: 1000,
  status: 'deleted', // reported with the end itself (e17)
  startedAt: at(D3, '09:30'),
  endedAt: at(D3, '09:40'),
  durationMs: 10 * MIN,
  firstActivityAt: at(D3, '09:30'),
  lastActivityAt: at(D3, '09:40'),
  resources: [
    { type: 'channel', id: 'web' },
    { type: 'workflow', id: 'w1' },
  ],
};

const zero = { errors: 0, errorRate: 0 };
const RESOURCES = [
  // e02 e03 e04 e10 e16; messages e03 e04 e10 e16; tokens 100+50+70+20; rt (400+800+1000)/3 = 733.33
  {
    type: 'channel',
    id: 'web',
    events: 5,
    conversations: 2,
    messages: 4,
    tokens: 240,
    avgResponseTimeMs: 733.3,
    ...zero,
    satisfaction: null,
    ratings: 0,
  },
  // e02 e03 e04 e10 e11 e14; conversations: c1 only (on three days, counted once); rating 4 (e11)
  {
    type: 'agent',
    id: 'a1',
    events: 6,
    conversations: 1,
    messages: 3,
    tokens: 220,
    avgResponseTimeMs: 600,
    ...zero,
    satisfaction: 4,
    ratings: 1,
  },
  // e07 e08 e09 e19 e20; error e09 → 1/5; ratings (2 + 5) / 2
  {
    type: 'agent',
    id: 'a2',
    events: 5,
    conversations: 1,
    messages: 1,
    tokens: 30,
    avgResponseTimeMs: 200,
    errors: 1,
    errorRate: 0.2,
    satisfaction: 3.5,
    ratings: 2,
  },
  // e15 e16 e17
  {
    type: 'workflow',
    id: 'w1',
    events: 3,
    conversations: 1,
    messages: 1,
    tokens: 20,
    avgResponseTimeMs: 1000,
    ...zero,
    satisfaction: null,
    ratings: 0,
  },
  // e07 e08
  {
    type: 'channel',
    id: 'slack',
    events: 2,
    conversations: 1,
    messages: 1,
    tokens: 30,
    avgResponseTimeMs: 200,
    ...zero,
    satisfaction: null,
    ratings: 0,
  },
];

// ---- plumbing ----

const get = (path: string) =>
  request(`${stack.baseUrl}/api/v1/analytics/${path}`, {
    headers: bearer(stack.credentials.adminToken),
  });

async function ok<T>(path: string): Promise<T> {
  const res = await get(path);
  expect([path, res.status, res.body]).toEqual([path, 200, expect.anything()]);
  return res.body as T;
}

/** Every page of a list, following nextCursor. */
async function walk<T>(path: string, key: string): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const body = await ok<Record<string, unknown>>(
      cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path,
    );
    items.push(...(body[key] as T[]));
    cursor = body.nextCursor as string | null;
    pages++;
    expect(pages).toBeLessThan(100);
  } while (cursor);
  return { items, pages };
}

const send = async (batch: Message[], writeKey = stack.credentials.writeKey) => {
  const res = await request(`${stack.baseUrl}/v1/batch`, {
    headers: basic(writeKey),
    body: { batch },
  });
  expect(res).toMatchObject({ status: 200, body: { accepted: batch.length } });
  await stack.idle();
};

beforeAll(async () => {
  stack = await startTestStack('people', {
    // No settle time: the refresh folds every bucket that has ended.
    env: { TALLY_ROLLUP_SETTLE_SECONDS: '0' },
  });
  const created = await request(`${stack.baseUrl}/api/v1/analytics/write-keys?project=other`, {
    headers: bearer(stack.credentials.adminToken),
    body: { name: 'other' },
  });
  await send(CHUNKS.flat());
  await send(OTHER, (created.body as { writeKey: string }).writeKey);
});
afterAll(() => stack?.stop());

// ---- the checks, run before and after the rollup ----

async function checkEveryReport() {
  // users/activities
  const feed = await ok<ActivitiesBody>(`users/activities?${RANGE}&limit=500`);
  expect(feed).toEqual({
    project: 'default',
    range: CUSTOM,
    activities: feedOf(),
    nextCursor: null,
  });
  for (const actor of ['bob', 'anon:v1']) {
    const own = await ok<ActivitiesBody>(`users/activities?${RANGE}&user_id=${actor}`);
    expect(own.activities).toEqual(feedOf(actor));
  }
  expect((await ok<ActivitiesBody>(`users/activities?${RANGE}&userId=cy`)).activities).toEqual(
    feedOf('cy'),
  );
  expect((await ok<ActivitiesBody>(`users/activities?${RANGE}&user_id=nobody`)).activities).toEqual(
    [],
  );

  // events: full payloads, filtered
  const pages = await ok<EventsBody>(`events?${RANGE}&type=page`);
  expect(pages.events.map((e) => e.messageId)).toEqual(['e12', 'e05']);
  expect(pages.events[0]).toMatchObject({
    messageId: 'e12',
    projectId: 'default',
    type: 'page',
    name: 'Pricing',
    anonymousId: 'v1',
    timestamp: at(D2, '12:00'),
    properties: { url: 'https://shop.test/pricing' },
    context: expect.any(Object),
  });
  const messages = await ok<EventsBody>(`events?${RANGE}&event=message.sent`);
  expect(messages.events.map((e) => e.messageId)).toEqual(['e16', 'e10', 'e08', 'e04', 'e03']);
  expect(messages.events[3]?.properties).toEqual({
    ...c1,
    ...gpt,
    tokens: 50,
    responseTimeMs: 800,
  });
  const adaMessages = await ok<EventsBody>(`events?${RANGE}&event=message.sent&user_id=ada`);
  expect(adaMessages.events.map((e) => e.messageId)).toEqual(['e10', 'e04', 'e03']);
  const identifies = await ok<EventsBody>(`events?${RANGE}&type=identify`);
  expect(identifies.events).toMatchObject([
    { messageId: 'e13', userId: 'cy', traits: { plan: 'pro' } },
  ]);

  // users/top
  expect(await ok<TopUsersBody>(`users/top?${RANGE}`)).toEqual({
    project: 'default',
    range: CUSTOM,
    totalUsers: 4,
    users: TOP_USERS,
  });
  expect((await ok<TopUsersBody>(`users/top?${RANGE}&limit=2`)).users).toEqual(
    TOP_USERS.slice(0, 2),
  );
  // The default range (7d) holds the same three days.
  expect((await ok<TopUsersBody>('users/top')).users).toEqual(TOP_USERS);
  // D2 alone: ada e10 e11 (1 message, 70 tokens), bob e07 e08 e09, the visitor e12.
  expect((await ok<TopUsersBody>(`users/top?from=${D2}&to=${D2}`)).users).toEqual([
    {
      userId: 'bob',
      events: 3,
      messages: 1,
      tokens: 30,
      firstSeen: at(D2, '08:00'),
      lastSeen: at(D2, '08:02'),
    },
    {
      userId: 'ada',
      events: 2,
      messages: 1,
      tokens: 70,
      firstSeen: at(D2, '08:05'),
      lastSeen: at(D2, '08:06'),
    },
    {
      userId: 'anon:v1',
      events: 1,
      messages: 0,
      tokens: 0,
      firstSeen: at(D2, '12:00'),
      lastSeen: at(D2, '12:00'),
    },
  ]);

  // users/list
  expect(await ok<UserListBody>(`users/list?active_only=true&${RANGE}`)).toEqual({
    project: 'default',
    activeOnly: true,
    range: CUSTOM,
    users: byId(['ada', 'anon:v1', 'bob', 'cy']),
    nextCursor: null,
  });
  expect((await ok<UserListBody>(`users/list?active_only=true&from=${D3}&to=${D3}`)).users).toEqual(
    [
      // D3: ada e14; bob e18 e19; cy e13 e15 e16 e17 e20
      {
        userId: 'ada',
        events: 1,
        messages: 0,
        tokens: 0,
        firstSeen: at(D3, '09:00'),
        lastSeen: at(D3, '09:00'),
      },
      {
        userId: 'bob',
        events: 2,
        messages: 0,
        tokens: 0,
        firstSeen: at(D3, '10:00'),
        lastSeen: at(D3, '10:05'),
      },
      TOP_USERS[2],
    ],
  );
  expect(await ok<UserListBody>('users/list')).toEqual({
    project: 'default',
    activeOnly: false,
    users: [
      // firstSeen: each one's first event ever
      { userId: 'ada', firstSeen: at(D1, '09:00'), traits: null },
      { userId: 'anon:v1', firstSeen: at(D1, '10:00'), traits: null },
      { userId: 'bob', firstSeen: at(D1, '11:00'), traits: null },
      { userId: 'cy', firstSeen: at(D3, '08:00'), traits: { plan: 'pro' } },
    ],
    nextCursor: null,
  });

  // conversations
  expect(await ok<ConversationsBody>(`conversations?${RANGE}`)).toEqual({
    project: 'default',
    range: CUSTOM,
    // newest activity first: c2 (D3 10:00), c3 (09:40), c1 (09:00)
    conversations: [C2, C3, C1],
    nextCursor: null,
  });
  expect((await ok<ConversationsBody>(`conversations?${RANGE}&user_id=ada`)).conversations).toEqual(
    [C1],
  );
  expect(
    (await ok<ConversationsBody>(`conversations?${RANGE}&status=ended`)).conversations,
  ).toEqual([C1]);
  expect(
    (await ok<ConversationsBody>(`conversations?${RANGE}&status=deleted&userId=cy`)).conversations,
  ).toEqual([C3]);
  expect(
    (await ok<ConversationsBody>(`conversations?${RANGE}&status=active`)).conversations,
  ).toEqual([]);

  // conversations/{id}: default range 90d
  expect(await ok<ConversationBody>('conversations/c1')).toEqual({
    project: 'default',
    range: { name: '90d', from: addDays(TODAY, -89), to: TODAY },
    conversation: C1,
    days: [
      {
        day: D1,
        messages: 2,
        tokens: 150,
        avgResponseTimeMs: 600,
        firstActivityAt: at(D1, '09:01'),
        lastActivityAt: at(D1, '09:03'),
      },
      {
        day: D2,
        messages: 1,
        tokens: 70,
        avgResponseTimeMs: null,
        firstActivityAt: at(D2, '08:05'),
        lastActivityAt: at(D2, '08:05'),
      },
      {
        day: D3,
        messages: 0,
        tokens: 0,
        avgResponseTimeMs: null,
        firstActivityAt: at(D3, '09:00'),
        lastActivityAt: at(D3, '09:00'),
      },
    ],
  });
  // Without D1 the start is not in the range: the duration is last − first, D2 08:05 → D3 09:00.
  expect((await ok<ConversationBody>(`conversations/c1?from=${D2}&to=${D3}`)).conversation).toEqual(
    {
      ...C1,
      messages: 1,
      tokens: 70,
      avgResponseTimeMs: null,
      startedAt: null,
      durationMs: DAY + 55 * MIN,
      firstActivityAt: at(D2, '08:05'),
    },
  );

  // resources/top
  expect(await ok<TopResourcesBody>(`resources/top?${RANGE}`)).toEqual({
    project: 'default',
    range: CUSTOM,
    type: null,
    totalResources: 5,
    resources: RESOURCES,
  });
  const agents = await ok<TopResourcesBody>(`resources/top?${RANGE}&type=agent&limit=1`);
  expect([agents.totalResources, agents.resources]).toEqual([2, [RESOURCES[1]]]);

  // resources/{type}/{id}
  const a1 = await ok<ResourceBody>(`resources/agent/a1?${RANGE}`);
  expect(a1.resource).toEqual(RESOURCES[1]);
  const none = { errors: 0, errorRate: 0, satisfaction: null, ratings: 0 };
  expect(a1.series).toEqual([
    // e02 e03 e04
    {
      day: D1,
      events: 3,
      conversations: 1,
      messages: 2,
      tokens: 150,
      avgResponseTimeMs: 600,
      ...none,
    },
    // e10 e11
    {
      day: D2,
      events: 2,
      conversations: 1,
      messages: 1,
      tokens: 70,
      avgResponseTimeMs: null,
      ...none,
      satisfaction: 4,
      ratings: 1,
    },
    // e14
    {
      day: D3,
      events: 1,
      conversations: 1,
      messages: 0,
      tokens: 0,
      avgResponseTimeMs: null,
      ...none,
    },
  ]);
  const web = await ok<ResourceBody>(`resources/channel/web?from=${D3}&to=${TODAY}`);
  expect(web.resource).toMatchObject({ events: 1, conversations: 1, messages: 1, tokens: 20 });
  expect(web.series.map((d) => [d.day, d.events])).toEqual([
    [D3, 1],
    [TODAY, 0],
  ]);
}

describe('people reports on a hand-checked dataset', () => {
  it('answer exactly from the live layer', async () => {
    await checkEveryReport();
  });

  it('answer 404 for a conversation or resource without activity in the range', async () => {
    for (const path of [
      'conversations/nope',
      `conversations/c3?from=${D1}&to=${D2}`,
      `resources/agent/zz?${RANGE}`,
      `resources/workflow/w1?from=${D1}&to=${D2}`,
    ]) {
      const res = await get(path);
      expect([path, res.status, (res.body as { error: { code: string } }).error.code]).toEqual([
        path,
        404,
        'not_found',
      ]);
    }
  });

  it('walk every page of every list without repeats or gaps', async () => {
    const feed = await walk<{ messageId: string }>(
      `users/activities?${RANGE}&limit=3`,
      'activities',
    );
    // 20 activities, 3 a page: 7 pages, the last with 2
    expect(feed.pages).toBe(7);
    expect(feed.items).toEqual(feedOf());
    const bob = await walk(`users/activities?${RANGE}&limit=1&user_id=bob`, 'activities');
    expect([bob.pages, bob.items]).toEqual([6, feedOf('bob')]);
    const tracks = await walk<{ messageId: string }>(
      `events?${RANGE}&type=track&limit=4`,
      'events',
    );
    // 17 track events (20 − 2 pages − 1 identify): 5 pages
    expect(tracks.pages).toBe(5);
    expect(tracks.items.map((e) => e.messageId)).toEqual(
      FEED.filter((f) => f[3] === 'track').map((f) => f[0]),
    );
    const active = await walk(`users/list?active_only=true&${RANGE}&limit=3`, 'users');
    expect([active.pages, active.items]).toEqual([2, byId(['ada', 'anon:v1', 'bob', 'cy'])]);
    const all = await walk<{ userId: string }>('users/list?limit=1', 'users');
    expect([all.pages, all.items.map((u) => u.userId)]).toEqual([
      4,
      ['ada', 'anon:v1', 'bob', 'cy'],
    ]);
    const conversations = await walk(`conversations?${RANGE}&limit=2`, 'conversations');
    expect([conversations.pages, conversations.items]).toEqual([2, [C2, C3, C1]]);
  });

  it('refuse a tampered or foreign cursor with 400', async () => {
    const first = await ok<ActivitiesBody>(`users/activities?${RANGE}&limit=3`);
    const cursor = first.nextCursor as string;
    const state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const forged = (change: (s: Record<string, unknown>) => void) => {
      const copy = structuredClone(state);
      change(copy);
      return Buffer.from(JSON.stringify(copy)).toString('base64url');
    };
    const bad = [
      `users/activities?${RANGE}&limit=3&cursor=${cursor.slice(0, -3)}%21%21`,
      `users/activities?${RANGE}&limit=3&cursor=${forged((s) => {
        (s.s as Record<string, unknown>).o = -1;
      })}`,
      // another project's log partition
      `users/activities?${RANGE}&limit=3&cursor=${forged((s) => {
        (s.s as { s: { pk: string } }).s = { pk: `FL#other#${D3}`, sk: 'B#x' } as never;
      })}`,
      `users/activities?${RANGE}&limit=3&cursor=${forged((s) => {
        (s.s as Record<string, unknown>).d = '2001-01-01';
      })}`,
      // the same cursor on another query, or another project
      `events?${RANGE}&limit=3&cursor=${cursor}`,
      `users/activities?${RANGE}&limit=3&user_id=ada&cursor=${cursor}`,
      `users/activities?${RANGE}&limit=3&project=other&cursor=${cursor}`,
      `users/list?cursor=${cursor}`,
      `conversations?${RANGE}&cursor=${cursor}`,
    ];
    for (const path of bad) {
      const res = await get(path);
      expect([
        path,
        res.status,
        (res.body as { error: { message: string } }).error.message,
      ]).toEqual([path, 400, expect.stringMatching(/^cursor/)]);
    }
  });

  it('answer 400 naming a bad parameter', async () => {
    const cases: [string, RegExp][] = [
      ['users/top?limit=0', /limit/],
      ['users/top?limit=abc', /limit/],
      ['users/list?active_only=yes', /active_only/],
      ['events?type=click', /type/],
      ['events?limit=101', /limit/],
      ['users/activities?range=2d', /range/],
      [`users/activities?from=${D3}&to=${D1}`, /from/],
      ['users/activities?user_id=ada&userId=bob', /user_id and userId/],
      ['conversations?status=', /status/],
    ];
    for (const [path, message] of cases) {
      const res = await get(path);
      expect([path, res.status]).toEqual([path, 400]);
      expect((res.body as { error: { message: string } }).error.message).toMatch(message);
    }
  });

  it("never show another project's data", async () => {
    const other = 'project=other';
    expect((await ok<TopUsersBody>(`users/top?${RANGE}&${other}`)).users).toEqual([
      // zed: o1 o3; ada: o2
      {
        userId: 'zed',
        events: 2,
        messages: 1,
        tokens: 999,
        firstSeen: at(D2, '09:00'),
        lastSeen: at(D3, '07:30'),
      },
      {
        userId: 'ada',
        events: 1,
        messages: 0,
        tokens: 0,
        firstSeen: at(D3, '07:00'),
        lastSeen: at(D3, '07:00'),
      },
    ]);
    expect(
      (await ok<ActivitiesBody>(`users/activities?${RANGE}&${other}`)).activities.map(
        (a) => a.messageId,
      ),
    ).toEqual(['o3', 'o2', 'o1']);
    const r = await ok<TopResourcesBody>(`resources/top?${RANGE}&${other}`);
    expect(r.resources.map((x) => [x.type, x.id, x.events, x.errors])).toEqual([
      ['agent', 'a1', 2, 1],
      ['channel', 'web', 1, 0],
    ]);
    // And the default project's answers are exactly the hand-checked ones (checked above and
    // after the rollup), none of them holding zed, o1-o3, 999 tokens or a second a1 error.
    expect((await ok<UserListBody>('users/list')).users.map((u) => u.userId)).not.toContain('zed');
  });

  it('answer the same after the refresh endpoint ran the rollup', async () => {
    const res = await request(`${stack.baseUrl}/api/v1/analytics/metrics/refresh?${RANGE}`, {
      method: 'POST',
      headers: bearer(stack.credentials.adminToken),
    });
    expect(res.status).toBe(200);
    // It folds the buckets that have ended (the twin's are a minute wide): all events, or none
    // yet when they were stored this minute; the answers may not change either way.
    const folded = (res.body as { days: { events: number }[] }).days.map((d) => d.events);
    expect([
      [0, 0, 0],
      [6, 6, 8],
    ]).toContainEqual(folded);
    await checkEveryReport();
  });

  it('answer the same once the rollup, on a clock past every bucket, rebuilt each day', async () => {
    // The twin's own configuration (it set the environment of this process).
    const deps = {
      ddb: stack.ddb,
      storage: storageConfig(process.env),
      now: () => Date.now() + 2 * MIN + 1,
      log: silentLog,
      settleMs: 0,
    };
    const { days, failed } = await runJob(
      deps,
      { from: D1, to: D3, projects: ['default'] },
      { nightlyDays: 3, hourly: 'compact' },
    );
    expect(failed).toEqual([]);
    // D1: e01-e06; D2: e07-e12; D3: e13-e20: every event read from raw storage
    expect(days.map((d) => [d.day, d.events])).toEqual([
      [D1, 6],
      [D2, 6],
      [D3, 8],
    ]);
    await checkEveryReport();
    const feed = await walk(`users/activities?${RANGE}&limit=3`, 'activities');
    expect(feed.items).toEqual(feedOf());
  });
});
