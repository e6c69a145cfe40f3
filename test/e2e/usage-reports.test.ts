/**
 * The usage reports through the local twin: events sent to the tracking API on three days are
 * reported exactly, the same before and after `metrics/refresh`, for their project only; bad
 * parameters are 400s; every curl of docs/api-usage-reports.md works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, dayOf } from '../../lambdas/model/time.ts';
import type { LocalStack } from '../../local/stack.ts';
import { curlExamples, runCurlExample } from '../helpers/docs.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

const REPORTS = ['overview', 'daily-stats', 'event-counts', 'messages', 'tokens', 'api-usage'];

let stack: LocalStack;
const today = dayOf(Date.now());
const d2 = addDays(today, -2);
const d1 = addDays(today, -1);
const range = { from: d2, to: today };

const admin = (path: string, query: Record<string, string> = {}, token?: string) =>
  request(`${stack.baseUrl}/api/v1/analytics/${path}?${new URLSearchParams(query)}`, {
    headers: bearer(token ?? stack.credentials.adminToken),
  });

const track = (writeKey: string, batch: Record<string, unknown>[]) =>
  request(`${stack.baseUrl}/v1/batch`, { headers: basic(writeKey), body: { batch } });

const message = (at: string, userId: string, properties: Record<string, unknown>) => ({
  type: 'track',
  event: 'message.sent',
  userId,
  timestamp: at,
  properties,
});
const apiCall = (at: string, userId: string, properties: Record<string, unknown>) => ({
  type: 'track',
  event: 'api.request',
  userId,
  timestamp: at,
  properties,
});

beforeAll(async () => {
  stack = await startTestStack('usage-reports');
  const created = await request(`${stack.baseUrl}/api/v1/analytics/write-keys?project=other`, {
    headers: bearer(stack.credentials.adminToken),
    body: { name: 'other service' },
  });
  const otherKey = (created.body as { writeKey: string }).writeKey;
  const sent = await Promise.all([
    track(stack.credentials.writeKey, [
      message(`${d2}T09:00:00Z`, 'ada', {
        model: 'gpt-4o',
        inputTokens: 40,
        outputTokens: 60,
        responseTimeMs: 400,
        role: 'assistant',
      }),
      apiCall(`${d2}T09:01:00Z`, 'ada', {
        endpoint: '/v1/items',
        method: 'GET',
        statusCode: 200,
        durationMs: 20,
      }),
      {
        type: 'track',
        event: 'conversation.started',
        userId: 'bob',
        timestamp: `${d1}T15:00:00Z`,
        properties: { conversationId: 'c1' },
      },
      message(`${d1}T15:01:00Z`, 'bob', {
        conversationId: 'c1',
        model: 'claude-3-haiku',
        tokens: 200,
        responseTimeMs: 600,
        role: 'user',
      }),
      apiCall(`${d1}T15:02:00Z`, 'bob', {
        endpoint: '/v1/items',
        method: 'POST',
        statusCode: 500,
        durationMs: 300,
      }),
      message(`${today}T00:00:30Z`, 'ada', { model: 'gpt-4o', tokens: 300, responseTimeMs: 200 }),
    ]),
    track(otherKey, [
      message(`${d1}T10:00:00Z`, 'mallory', { model: 'gpt-4o', tokens: 7777 }),
      apiCall(`${d1}T10:01:00Z`, 'mallory', {
        endpoint: '/secret',
        method: 'GET',
        statusCode: 200,
      }),
    ]),
  ]);
  expect(sent.map((r) => r.status)).toEqual([200, 200]);
  await stack.idle();
});
afterAll(() => stack?.stop());

describe('usage reports through the local twin', () => {
  it('report exactly what was sent, the same before and after the rollup', async () => {
    const read = async () =>
      Object.fromEntries(
        await Promise.all(
          REPORTS.map(async (r) => {
            const res = await admin(r, range);
            expect([r, res.status]).toEqual([r, 200]);
            return [r, res.body] as const;
          }),
        ),
      );
    const before = await read();

    // 6 events on 3 days: 3 messages (100 + 200 + 300 tokens; rt 400, 600, 200), 1 conversation,
    // 2 API calls (one 500, also an error event), users ada and bob; nothing the 3 days before.
    expect(before.overview).toMatchObject({
      project: 'default',
      totalEvents: { value: 6, previous: 0, change: null },
      activeUsers: { value: 2, previous: 0, change: null },
      newUsers: { value: 2, previous: 0, change: null },
      conversations: { value: 1, previous: 0, change: null },
      messages: { value: 3, previous: 0, change: null },
      tokens: { value: 600, previous: 0, change: null },
      avgResponseTimeMs: { value: 400, previous: null, change: null },
      apiCalls: { value: 2, previous: 0, change: null },
      apiErrorRate: { value: 0.5, previous: null, change: null },
      errors: { value: 1, previous: 0, change: null },
    });
    expect(
      (before['daily-stats'] as { days: Record<string, unknown>[] }).days.map((d) => [
        d.date,
        d.totalUsers,
        d.totalMessages,
        d.totalTokens,
      ]),
    ).toEqual([
      [d2, 1, 1, 100],
      [d1, 2, 1, 200],
      [today, 2, 1, 300],
    ]);
    expect(before['event-counts']).toMatchObject({
      totalEvents: 6,
      byType: [{ type: 'track', count: 6 }],
      byName: [
        { name: 'message.sent', count: 3 },
        { name: 'api.request', count: 2 },
        { name: 'conversation.started', count: 1 },
      ],
    });
    // sorted [200, 400, 600]
    expect(before.messages).toMatchObject({
      total: 3,
      responseTimeMs: { count: 3, avg: 400, p50: 400, p95: 600, p99: 600, exact: true },
    });
    // Default prices. gpt-4o: (40 × 2.5 + 60 × 10 + 300 × 2.5) / 1e6 = 0.00145;
    // claude-3-haiku: 200 without a kind × 0.25 / 1e6 = 0.00005.
    expect(before.tokens).toMatchObject({
      total: 600,
      byModel: [
        { model: 'gpt-4o', tokens: 400, cost: 0.00145 },
        { model: 'claude-3-haiku', tokens: 200, cost: 0.00005 },
      ],
      cost: 0.0015,
      unpricedModels: [],
      byUser: [
        { userId: 'ada', tokens: 400, messages: 2, events: 3 },
        { userId: 'bob', tokens: 200, messages: 1, events: 3 },
      ],
      byConversation: [{ conversationId: 'c1', userId: 'bob', tokens: 200, messages: 1 }],
    });
    expect(before['api-usage']).toMatchObject({
      totals: { count: 2, errors: 1, errorRate: 0.5, status: { '200': 1, '500': 1 } },
      endpoints: [
        { method: 'GET', endpoint: '/v1/items', count: 1, errors: 0, p50Ms: 20 },
        { method: 'POST', endpoint: '/v1/items', count: 1, errors: 1, p50Ms: 300 },
      ],
    });

    const refresh = await request(
      `${stack.baseUrl}/api/v1/analytics/metrics/refresh?from=${d2}&to=${today}`,
      { method: 'POST', headers: bearer(stack.credentials.adminToken) },
    );
    expect(refresh.status).toBe(200);
    // The month-end forecast moves with the clock (elapsed days are fractional); all else is fixed.
    const withoutForecast = (all: Record<string, unknown>) => ({
      ...all,
      tokens: { ...(all.tokens as Record<string, unknown>), forecast: undefined },
    });
    expect(withoutForecast(await read())).toEqual(withoutForecast(before));
  });

  it('never shows another project, and refuses a project the token does not cover', async () => {
    const other = await admin('tokens', { ...range, project: 'other' });
    expect(other.body).toMatchObject({ project: 'other', total: 7777 });
    const mine = await admin('api-usage', range);
    expect(mine.status).toBe(200);
    expect(JSON.stringify(mine.body)).not.toContain('/secret');
    const token = await stack.issuer.mint({ projects: ['default'] });
    for (const r of REPORTS) {
      const res = await admin(r, { project: 'other' }, token);
      expect([r, res.status]).toEqual([r, 403]);
    }
  });

  it.each([
    ['overview', { range: '1y' }, 'range'],
    ['daily-stats', { days: '0' }, 'days'],
    ['messages', { granularity: 'year' }, 'granularity'],
  ])('%s with %j is a 400 naming %s', async (path, query, name) => {
    const res = await admin(path, query);
    expect(res.status).toBe(400);
    expect((res.body as { error: { message: string } }).error.message).toContain(`${name}:`);
  });
});

describe('docs/api-usage-reports.md examples', () => {
  const examples = curlExamples('docs/api-usage-reports.md');

  it('has an example for every report', () => {
    for (const r of REPORTS) {
      expect(examples.some((e) => e.includes(`/api/v1/analytics/${r}?`))).toBe(true);
    }
  });

  it.each(examples)('%s works as documented', async (example) => {
    const { status, body } = await runCurlExample(example, stack.baseUrl, {
      ADMIN_TOKEN: stack.credentials.adminToken,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ project: 'default' });
  });
});
