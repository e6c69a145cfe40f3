import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
let url: (path: string) => string;

beforeAll(async () => {
  stack = await startTestStack('slice');
  url = (path) => `${stack.baseUrl}${path}`;
});
afterAll(() => stack?.stop());

const summary = async (token = stack.credentials.adminToken) =>
  request(url('/api/v1/analytics/summary'), { headers: bearer(token) });

describe('one event through every layer', () => {
  it('starts empty', async () => {
    const res = await summary();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      project: 'default',
      totalEvents: 0,
      totalUsers: 0,
      activeUsersToday: 0,
    });
  });

  it('counts a tracked event within 2 s', async () => {
    const started = Date.now();
    const res = await request(url('/v1/track'), {
      headers: basic(stack.credentials.writeKey),
      body: { userId: 'u1', event: 'Signed Up' },
    });
    expect(res).toMatchObject({ status: 200, body: { success: true, accepted: 1 } });
    // Read every 50 ms until it counts the event, within 2 s of sending it; then check that read.
    let body: Record<string, unknown> = {};
    await expect
      .poll(
        async () => {
          body = (await summary()).body as Record<string, unknown>;
          return body.totalEvents;
        },
        { interval: 50, timeout: Math.max(0, 2000 - (Date.now() - started)) },
      )
      .toBe(1);
    expect(body).toMatchObject({
      totalEvents: 1,
      totalUsers: 1,
      activeUsersToday: 1,
      totalConversations: 0,
      totalMessages: 0,
      totalTokens: 0,
      avgResponseTimeMs: null,
    });
  });

  it('refuses a request without a write key (401) or with a malformed body (400), counting nothing', async () => {
    const noKey = await request(url('/v1/track'), { body: { userId: 'u2', event: 'x' } });
    expect(noKey.status).toBe(401);
    expect(noKey.body).toEqual({
      code: 'unauthorized',
      message: 'Missing or invalid credentials',
      error: { code: 'unauthorized', message: 'Missing or invalid credentials' },
    });
    const malformed = await request(url('/v1/track'), {
      headers: basic(stack.credentials.writeKey),
      body: '{"userId": "u2", "event":',
    });
    expect(malformed.status).toBe(400);
    expect((malformed.body as { error: { code: string } }).error.code).toBe('validation_failed');
    await stack.idle();
    expect((await summary()).body).toMatchObject({ totalEvents: 1, totalUsers: 1 });
  });

  it('counts a messageId sent twice once', async () => {
    const event = {
      userId: 'u2',
      event: 'message.sent',
      messageId: 'dup-1',
      properties: { tokens: 40, responseTimeMs: 250 },
    };
    for (let i = 0; i < 2; i++) {
      const res = await request(url('/v1/track'), {
        headers: basic(stack.credentials.writeKey),
        body: event,
      });
      expect(res.status).toBe(200);
      await stack.idle();
    }
    expect((await summary()).body).toMatchObject({
      totalEvents: 2,
      totalUsers: 2,
      totalMessages: 1,
      totalTokens: 40,
      avgResponseTimeMs: 250,
    });
  });
});

describe('admin API access', () => {
  it('refuses a missing or forged token with 401', async () => {
    expect((await request(url('/api/v1/analytics/summary'))).status).toBe(401);
    const forged = `${stack.credentials.adminToken.slice(0, -4)}AAAA`;
    expect((await summary(forged)).status).toBe(401);
  });

  it('refuses a valid non-admin token with 403', async () => {
    const viewer = await stack.issuer.mint({ role: 'viewer' });
    const res = await summary(viewer);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('refuses a project outside the token’s list with 403 and serves the one it covers', async () => {
    const scoped = await stack.issuer.mint({ projects: ['other'] });
    expect(
      (await request(url('/api/v1/analytics/summary?project=default'), { headers: bearer(scoped) }))
        .status,
    ).toBe(403);
    const own = await request(url('/api/v1/analytics/summary'), { headers: bearer(scoped) });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ project: 'other', totalEvents: 0 });
  });

  it('serves /health without auth and answers JSON 404 for unknown API paths', async () => {
    expect(await request(url('/health'))).toMatchObject({ status: 200, body: { status: 'ok' } });
    const missing = await request(url('/api/v1/analytics/nope'), {
      headers: bearer(stack.credentials.adminToken),
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: 'not_found' } });
  });
});
