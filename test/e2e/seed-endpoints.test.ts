/**
 * Every endpoint the seed documents name (../shared/seeds/), called at the seed's own path with
 * the seed's payloads and parameters through the local twin: each answers 2xx (a seed route whose
 * target Tally lacks would answer 501 naming it; none does now); the test prints how many of the
 * 44 answer. The AI-agent platform's
 * `overview?startDate&endDate` reports the dates asked for; the CRM's `tenant_id` must name the
 * key's own project.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMPAT_ROUTE_DEFS,
  type CompatRouteDef,
  matchRoute,
} from '../../lambdas/contract/routes.ts';
import { placesOf, seedValue } from '../../lambdas/http/compat.ts';
import { addDays, dayOf } from '../../lambdas/model/time.ts';
import type { LocalStack } from '../../local/stack.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
const today = dayOf(Date.now());
const yesterday = addDays(today, -1);
const longAgo = addDays(today, -20);

beforeAll(async () => {
  stack = await startTestStack('seed-endpoints');
});
afterAll(() => stack?.stop());

interface Call {
  seed: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

const TRACKING: Call[] = [
  {
    seed: '001',
    method: 'POST',
    path: '/api/v1/analytics/track/activity-public',
    body: { user_id: 'user123', username: 'ada', activity_type: 'login' },
  },
  {
    seed: '001',
    method: 'POST',
    path: '/api/v1/analytics/track/api-usage-public',
    body: {
      endpoint: '/conversations/',
      method: 'GET',
      user_id: 'user123',
      status_code: 200,
      response_time: 0.12,
    },
  },
  {
    seed: '001',
    method: 'POST',
    path: '/api/v1/analytics/track/conversation-public',
    body: { conversation_id: 'conv-1', user_id: 'user123', action: 'created' },
  },
  {
    seed: '001',
    method: 'POST',
    path: '/api/v1/analytics/track/message-public',
    body: {
      message_id: 'msg-1',
      conversation_id: 'conv-1',
      user_id: 'user123',
      role: 'assistant',
      token_count: 150,
      response_time: 1.2,
      model_used: 'gpt-4o',
    },
  },
  {
    seed: '002',
    method: 'POST',
    path: '/api/v1/analytics/track',
    body: {
      eventType: 'message.sent',
      resourceType: 'agent',
      resourceId: 'agent-uuid',
      properties: { responseTime: 1200, tokens: 150 },
    },
  },
  {
    seed: '003',
    method: 'POST',
    path: '/api/v1/analytics/events?tenant_id=default',
    body: {
      event_type: 'message_sent',
      event_data: { channel_id: '123', user_id: '456' },
      tenant_id: 'default',
    },
  },
  {
    seed: '003',
    method: 'POST',
    path: '/api/v1/analytics/events/bulk',
    body: {
      events: [
        { event_type: 'message_sent', event_data: { channel_id: '123', user_id: '456' } },
        { event_type: 'conversation_started', event_data: { channel_id: '123', user_id: '457' } },
      ],
    },
  },
  {
    seed: '003',
    method: 'POST',
    path: '/api/v1/analytics/messages/analytics',
    body: {
      message_id: 'msg-2',
      conversation_id: 'conv-2',
      user_id: '456',
      role: 'user',
      content: 'Thanks, this is great',
      channel_id: '123',
    },
  },
];

const get = (seed: string, path: string): Call => ({ seed, method: 'GET', path });

const ADMIN: Call[] = [
  ...['overview', 'users', 'conversations', 'messages', 'tokens', 'api-usage', 'daily-stats'].map(
    (name) => get('000', `/api/analytics/${name}`),
  ),
  get('001', '/api/v1/analytics/summary'),
  get('001', '/api/v1/analytics/users/activities?limit=50&user_id=user123'),
  get('001', '/api/v1/analytics/users/top?limit=10'),
  get('001', '/api/v1/analytics/users/list?active_only=true'),
  get('001', '/api/v1/analytics/conversations?user_id=user123'),
  get('001', '/api/v1/analytics/api-usage?endpoint=/conversations/'),
  get('001', '/api/v1/analytics/daily-stats?days=30'),
  get('002', `/api/v1/analytics/overview?startDate=${longAgo}&endDate=${today}`),
  get('002', `/api/v1/analytics/agents/agent-uuid?startDate=${longAgo}`),
  get('002', '/api/v1/analytics/top-agents?limit=10'),
  get('002', '/api/v1/analytics/usage'),
  get('002', '/api/v1/analytics/events?limit=100'),
  get('002', '/api/v1/analytics/event-counts'),
  get('003', '/api/v1/analytics/conversations/conv-1/analytics'),
  get('003', '/api/v1/analytics/channels/123/analytics'),
  get('003', '/api/v1/analytics/dashboard?tenant_id=default&period=day'),
  get('004', '/api/v1/dashboard?time_range=7d'),
  get('004', '/api/v1/usage-trends?time_range=7d'),
  get('004', '/api/v1/feature-adoption?time_range=30d'),
  get('004', '/api/v1/experiment-results?status=running'),
  get('004', '/api/v1/user-segments?time_range=30d'),
  ...['onboarding', 'deployment', 'service_creation'].map((f) =>
    get('004', `/api/v1/funnel/${f}?time_range=30d`),
  ),
  { seed: '004', method: 'POST', path: '/api/v1/metrics/refresh' },
  get('004', '/api/v1/export/json?time_range=30d'),
  get('004', '/api/v1/export/csv?time_range=30d'),
  get('004', '/health'),
  get('004', '/metrics'),
];

describe('the seed services’ endpoints, at their own paths', () => {
  it('all 44 answer 2xx', async () => {
    expect(TRACKING.length + ADMIN.length).toBe(44);
    const outcomes: { call: Call; status: number; body: unknown }[] = [];
    for (const call of TRACKING) {
      const res = await request(`${stack.baseUrl}${call.path}`, {
        method: call.method,
        headers: basic(stack.credentials.writeKey),
        body: call.body,
      });
      outcomes.push({ call, ...res });
    }
    await stack.idle();
    for (const call of ADMIN) {
      const res = await request(`${stack.baseUrl}${call.path}`, {
        method: call.method,
        headers: bearer(stack.credentials.adminToken),
      });
      outcomes.push({ call, ...res });
    }
    const ok = outcomes.filter((o) => o.status >= 200 && o.status < 300);
    console.log(`seed endpoints: ${ok.length}/44 answer 2xx`);
    // Every target is built: none answers 501 (not_implemented) any more.
    const failed = outcomes
      .filter((o) => !(o.status >= 200 && o.status < 300))
      .map((o) => `${o.call.method} ${o.call.path} → ${o.status} ${JSON.stringify(o.body)}`);
    expect(failed).toEqual([]);
    // The seed's own field names, beside Tally's, where the row maps them.
    const mapped = outcomes.flatMap((o) => {
      const match = matchRoute(o.call.method, o.call.path.split('?')[0] as string)?.route;
      const def = match && 'compat' in match ? (match as CompatRouteDef) : undefined;
      return def?.compat.fields ? [{ o, maps: def.compat.fields }] : [];
    });
    const names = new Set<string>();
    for (const { o, maps } of mapped) {
      for (const map of maps) {
        const places = placesOf(o.body, map.at);
        expect(places.length, `${o.call.path} ${map.at}`).toBeGreaterThan(0);
        for (const place of places) {
          for (const [name, spec] of Object.entries(map.fields)) {
            expect(place, `${o.call.path}: ${name}`).toHaveProperty(name, seedValue(place, spec));
            names.add(name);
          }
        }
      }
    }
    console.log(
      `seed field names: ${mapped.length} endpoints answer with them (${[...names].sort().join(', ')})`,
    );
    expect(mapped.map((m) => m.o.call.path.split('?')[0])).toEqual([
      '/api/analytics/conversations',
      '/api/analytics/daily-stats',
      '/api/v1/analytics/agents/agent-uuid',
      '/api/v1/analytics/top-agents',
      '/api/v1/analytics/usage',
    ]);
    expect([...names]).toEqual(
      expect.arrayContaining(['total_users', 'avg_response_time', 'agent_id']),
    );
    // Every tracked event was accepted, nothing rejected.
    for (const o of outcomes.slice(0, TRACKING.length)) {
      expect(o.body, o.call.path).toMatchObject({ success: true });
      expect(o.body, o.call.path).not.toHaveProperty('rejected');
    }
    // 44 requests one after another on a shared 2-core machine.
  }, 120_000);

  it('overview?startDate&endDate reports the dates asked for, not the default 7 days', async () => {
    const send = await request(`${stack.baseUrl}/v1/batch`, {
      headers: basic(stack.credentials.writeKey),
      body: {
        batch: [
          { type: 'track', event: 'x', userId: 'old', timestamp: `${longAgo}T10:00:00Z` },
          { type: 'track', event: 'x', userId: 'new', timestamp: `${yesterday}T10:00:00Z` },
        ],
      },
    });
    expect(send.status).toBe(200);
    await stack.idle();
    const overview = async (query: string) =>
      (
        await request(`${stack.baseUrl}/api/v1/analytics/overview?${query}`, {
          headers: bearer(stack.credentials.adminToken),
        })
      ).body as { range: { from: string; to: string }; activeUsers: { value: number } };
    const wide = await overview(`startDate=${longAgo}&endDate=${yesterday}`);
    expect(wide.range).toMatchObject({ from: longAgo, to: yesterday });
    const narrow = await overview(`startDate=${longAgo}T00:00:00Z&endDate=${longAgo}T23:59:59Z`);
    expect(narrow.range).toMatchObject({ from: longAgo, to: longAgo });
    expect(narrow.activeUsers.value).toBe(1);
    // The first test's events are today's, outside both ranges: 'old', then 'old' and 'new'.
    expect([narrow.activeUsers.value, wide.activeUsers.value]).toEqual([1, 2]);
  });

  it('docs/migrating.md names every row of the compatibility table and its target', () => {
    const doc = readFileSync('docs/migrating.md', 'utf8');
    for (const d of COMPAT_ROUTE_DEFS) {
      expect(doc).toContain(`\`${d.method} ${d.path}\` | \`${d.compat.target}\``);
    }
  });

  it('refuses a tenant_id that is not the key’s project (query or body), counting nothing', async () => {
    for (const [path, body] of [
      ['/api/v1/analytics/events?tenant_id=tenant-1', { event_type: 'message_sent' }],
      ['/api/v1/analytics/events', { event_type: 'message_sent', tenant_id: 'tenant-1' }],
      [
        '/api/v1/analytics/events/bulk',
        { events: [{ event_type: 'a' }, { event_type: 'b', tenant_id: 'tenant-1' }] },
      ],
    ] as const) {
      const res = await request(`${stack.baseUrl}${path}`, {
        headers: basic(stack.credentials.writeKey),
        body,
      });
      expect([path, res.status]).toEqual([path, 403]);
      expect(res.body).toMatchObject({
        code: 'forbidden',
        message: expect.stringContaining('tenant-1'),
      });
    }
  });
});
