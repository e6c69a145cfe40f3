/**
 * Tracking and ingestion through the local twin: every way in, exact under duplicates and
 * retries, and honest about every rejected item.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../lambdas/admin/reports/summary.ts';
import { DETAIL_TYPE, EVENT_SOURCE } from '../../lambdas/contract/bus.ts';
import { appendDeadLetter } from '../../local/dead-letters.ts';
import type { LocalStack } from '../../local/stack.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
const dataDir = mkdtempSync(join(tmpdir(), 'tally-tracking-'));

beforeAll(async () => {
  stack = await startTestStack('tracking', {
    dataDir,
    // Revocation is tested without waiting a minute.
    env: { TALLY_WRITE_KEY_CACHE_SECONDS: '0' },
  });
});
afterAll(() => stack?.stop());

const track = (path: string, body: unknown, key = stack.credentials.writeKey) =>
  request(`${stack.baseUrl}${path}`, { headers: basic(key), body });
const summary = async (project?: string) => {
  await stack.idle();
  const res = await request(
    `${stack.baseUrl}/api/v1/analytics/summary${project ? `?project=${project}` : ''}`,
    {
      headers: bearer(stack.credentials.adminToken),
    },
  );
  return res.body as Summary;
};

describe('a 2,500-event batch with 100 duplicate messageIds and 10 invalid items', () => {
  it('names the 10 and counts exactly the valid unique events', async () => {
    const before = (await summary()).totalEvents;
    const batch: Record<string, unknown>[] = Array.from({ length: 2500 }, (_, i) => ({
      type: 'track',
      userId: `user-${i % 250}`,
      event: i % 5 === 0 ? 'message.sent' : 'Page Viewed',
      messageId: `bulk-${i}`,
      properties: i % 5 === 0 ? { tokens: 10 } : { n: i },
    }));
    // 100 items repeat the messageId of an earlier item; 10 others are invalid.
    for (let i = 0; i < 100; i++)
      (batch[2000 + i] as Record<string, unknown>).messageId = `bulk-${i}`;
    const invalid = [3, 77, 150, 999, 1234, 1500, 1777, 2200, 2333, 2499];
    for (const i of invalid) delete (batch[i] as Record<string, unknown>).event;

    const res = await track('/v1/batch', { batch });
    expect(res.status).toBe(200);
    const body = res.body as {
      accepted: number;
      rejected: { index: number; messageId: string; reason: string }[];
    };
    expect(body.accepted).toBe(2490);
    // 100 items repeat an earlier messageId; 2 of the originals are invalid, so 98 are repeats of an accepted item.
    expect((body as { duplicates?: number }).duplicates).toBe(98);
    expect(body.rejected.map((r) => r.index)).toEqual(invalid);
    expect(body.rejected.every((r) => r.reason.startsWith('event: '))).toBe(true);
    expect(body.rejected.map((r) => r.messageId)).toEqual(invalid.map((i) => `bulk-${i}`));

    const after = await summary();
    // 2,500 − 10 invalid − 100 repeats (none of the repeated originals is invalid except index 3, 77).
    const originals = new Set(Array.from({ length: 100 }, (_, i) => i));
    const repeatsOfInvalid = invalid.filter((i) => originals.has(i)).length;
    expect(after.totalEvents - before).toBe(2500 - 10 - 100 + repeatsOfInvalid);
  });
});

describe('every endpoint', () => {
  it('accepts each Segment and domain endpoint and counts what it should', async () => {
    const before = await summary();
    const calls: [string, unknown][] = [
      ['/v1/identify', { userId: 'ada', traits: { email: 'ada@example.com' } }],
      [
        '/v1/page',
        {
          anonymousId: 'anon-1',
          name: 'Home',
          properties: { url: 'https://ex.test/?utm_source=news' },
        },
      ],
      ['/v1/screen', { userId: 'ada', name: 'Chat' }],
      ['/v1/group', { userId: 'ada', groupId: 'acme' }],
      ['/v1/alias', { userId: 'ada', previousId: 'anon-1' }],
      ['/v1/track/activity', { user_id: 'ada', username: 'ada', activity_type: 'login' }],
      ['/v1/track/conversation', { conversation_id: 'c-9', user_id: 'ada', action: 'created' }],
      [
        '/v1/track/message',
        {
          message_id: 'm-9',
          conversation_id: 'c-9',
          user_id: 'ada',
          role: 'assistant',
          tokens: 120,
          model: 'gpt-4o',
          response_time: 0.5,
        },
      ],
      [
        '/v1/track/api-usage',
        { endpoint: '/chat', method: 'POST', status_code: 500, response_time: 0.2 },
      ],
      [
        '/v1/events',
        {
          event_type: 'agent.deployed',
          resource_type: 'agent',
          resource_id: 'a-1',
          user_id: 'ada',
        },
      ],
      ['/v1/events/bulk', { events: [{ event_type: 'x' }, { eventType: 'y', userId: 'bob' }] }],
    ];
    for (const [path, body] of calls) {
      const res = await track(path, body);
      expect([path, res.status]).toEqual([path, 200]);
    }
    // The conversation and message calls carry deterministic ids: sending them again changes nothing.
    const conversationAgain = await track('/v1/track/conversation', {
      conversation_id: 'c-9',
      user_id: 'ada',
      action: 'created',
    });
    expect(conversationAgain.status).toBe(200);
    const messageAgain = await track('/v1/track/message', {
      message_id: 'm-9',
      conversation_id: 'c-9',
      user_id: 'ada',
      role: 'assistant',
      tokens: 120,
      response_time: 0.5,
    });
    expect(messageAgain.status).toBe(200);
    const after = await summary();
    expect(after.totalEvents - before.totalEvents).toBe(12);
    expect(after.totalConversations - before.totalConversations).toBe(1);
    expect(after.totalMessages - before.totalMessages).toBe(1);
    expect(after.totalTokens - before.totalTokens).toBe(120);
  });

  it('answers 413 for a request over 500 KB and counts nothing', async () => {
    const before = (await summary()).totalEvents;
    const res = await track('/v1/batch', {
      batch: [{ type: 'track', userId: 'u', event: 'e', properties: { pad: 'x'.repeat(530_000) } }],
    });
    expect(res.status).toBe(413);
    expect((await summary()).totalEvents).toBe(before);
  });
});

describe('EventBridge refusing entries', () => {
  it('retries a transient refusal transparently', async () => {
    const before = (await summary()).totalEvents;
    stack.bus.failNextEntries(1, 'ThrottlingException');
    const res = await track('/v1/track', {
      userId: 'u',
      event: 'after-throttle',
      messageId: 'eb-1',
    });
    expect(res.status).toBe(200);
    expect((await summary()).totalEvents).toBe(before + 1);
  });

  it('answers 503 with Retry-After when it keeps refusing, and a retry then counts once', async () => {
    const before = (await summary()).totalEvents;
    stack.bus.failNextEntries(3);
    const body = { batch: [{ type: 'track', userId: 'u', event: 'e', messageId: 'eb-2' }] };
    const refused = await track('/v1/batch', body);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body).toMatchObject({
      error: { code: 'unavailable', accepted: 0, failed: [0] },
    });
    expect((await summary()).totalEvents).toBe(before);
    expect((await track('/v1/batch', body)).status).toBe(200);
    expect((await track('/v1/batch', body)).status).toBe(200);
    expect((await summary()).totalEvents).toBe(before + 1);
  });
});

describe('write keys through the admin API', () => {
  it('creates a key shown once, lists it by prefix only, and revokes it', async () => {
    const admin = bearer(stack.credentials.adminToken);
    const created = await request(`${stack.baseUrl}/api/v1/analytics/write-keys?project=shop`, {
      headers: admin,
      body: { name: 'checkout service' },
    });
    expect(created.status).toBe(201);
    const key = created.body as {
      keyId: string;
      writeKey: string;
      prefix: string;
      projectId: string;
    };
    expect(key).toMatchObject({
      projectId: 'shop',
      name: 'checkout service',
      writeKey: expect.stringMatching(/^tk_/),
    });

    expect((await track('/v1/track', { userId: 'u', event: 'Bought' }, key.writeKey)).status).toBe(
      200,
    );
    expect((await summary('shop')).totalEvents).toBe(1);

    const listed = await request(`${stack.baseUrl}/api/v1/analytics/write-keys?project=shop`, {
      headers: admin,
    });
    expect(JSON.stringify(listed.body)).not.toContain(key.writeKey);
    expect(listed.body).toMatchObject({
      project: 'shop',
      keys: [{ keyId: key.keyId, prefix: key.prefix }],
    });

    const projects = await request(`${stack.baseUrl}/api/v1/analytics/projects`, {
      headers: admin,
    });
    expect(
      (projects.body as { projects: { projectId: string }[] }).projects
        .map((p) => p.projectId)
        .sort(),
    ).toEqual(['default', 'shop']);

    const revoked = await request(
      `${stack.baseUrl}/api/v1/analytics/write-keys/${key.keyId}?project=shop`,
      { method: 'DELETE', headers: admin },
    );
    expect(revoked).toMatchObject({
      status: 200,
      body: { keyId: key.keyId, revokedAt: expect.any(String) },
    });
    expect((await track('/v1/track', { userId: 'u', event: 'Bought' }, key.writeKey)).status).toBe(
      401,
    );
    expect((await summary('shop')).totalEvents).toBe(1);
  });

  it('creates a browser key limited to origins, lists both, and refuses a bad origin by name', async () => {
    const admin = bearer(stack.credentials.adminToken);
    const url = `${stack.baseUrl}/api/v1/analytics/write-keys?project=site`;
    const created = await request(url, {
      headers: admin,
      body: { name: 'www', kind: 'browser', origins: ['https://www.example.com'] },
    });
    expect(created).toMatchObject({
      status: 201,
      body: { kind: 'browser', origins: ['https://www.example.com'] },
    });
    const listed = await request(url, { headers: admin });
    expect(listed.body).toMatchObject({
      keys: [{ name: 'www', kind: 'browser', origins: ['https://www.example.com'] }],
    });
    const bad = await request(url, {
      headers: admin,
      body: { kind: 'browser', origins: ['https://ok.example', 'https://www.example.com/shop'] },
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toBe(
      'invalid key: origins.1: must be an origin such as https://www.example.com (no path)',
    );
    const kind = await request(url, { headers: admin, body: { kind: 'public' } });
    expect(kind.status).toBe(400);
    expect((kind.body as { message: string }).message).toMatch(/^invalid key: kind: /);
  });

  it('refuses key management to a token without the admin role or outside its projects', async () => {
    const viewer = await stack.issuer.mint({ role: 'viewer' });
    expect(
      (
        await request(`${stack.baseUrl}/api/v1/analytics/write-keys`, {
          headers: bearer(viewer),
          body: {},
        })
      ).status,
    ).toBe(403);
    const scoped = await stack.issuer.mint({ projects: ['other'] });
    expect(
      (
        await request(`${stack.baseUrl}/api/v1/analytics/write-keys?project=shop`, {
          headers: bearer(scoped),
        })
      ).status,
    ).toBe(403);
  });
});

describe('service tokens', () => {
  it('track with a JWT carrying the track scope for its project', async () => {
    const before = (await summary()).totalEvents;
    const token = await stack.issuer.mint({ scope: 'track', projects: ['default'] });
    const res = await request(`${stack.baseUrl}/v1/track`, {
      headers: bearer(token),
      body: { userId: 'svc', event: 'Job Done' },
    });
    expect(res.status).toBe(200);
    expect((await summary()).totalEvents).toBe(before + 1);
    const noScope = await stack.issuer.mint({ projects: ['default'] });
    expect(
      (
        await request(`${stack.baseUrl}/v1/track`, {
          headers: bearer(noScope),
          body: { userId: 'svc', event: 'x' },
        })
      ).status,
    ).toBe(403);
  });
});

describe('dead letters', () => {
  it('dead-letters a record that can never be stored, with its reason, and the tool redrives fixed ones', async () => {
    // Someone else publishes on our detail-type with a detail ingest cannot read.
    const eb = new EventBridgeClient({
      endpoint: stack.bus.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await eb.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: stack.bus.busName,
            Source: EVENT_SOURCE,
            DetailType: DETAIL_TYPE,
            Detail: '{"v":2}',
          },
        ],
      }),
    );
    await stack.idle();
    const letters = stack.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toBe(
      'unreadable record: detail is missing or of an unknown version',
    );

    // A record dead-lettered while storage was down: valid, so a redrive stores it.
    const before = (await summary()).totalEvents;
    const event = {
      messageId: 'redriven-1',
      projectId: 'default',
      type: 'track',
      event: 'Late',
      userId: 'u',
      timestamp: new Date().toISOString(),
      receivedAt: new Date().toISOString(),
      properties: {},
      traits: {},
      context: {},
    };
    appendDeadLetter(dataDir, {
      message: {
        messageId: 'm',
        body: JSON.stringify({ detail: { v: 1, projectId: 'default', events: [event] } }),
        receiveCount: 5,
        sentTimestamp: Date.now(),
      },
      reason: 'storage failed: throttled',
      failedAt: new Date().toISOString(),
    });
    const { stdout } = await promisify(execFile)(
      'node_modules/.bin/tsx',
      ['local/dlq-redrive.ts'],
      { env: { ...process.env, TALLY_DATA_DIR: dataDir } },
    );
    expect(stdout).toContain('2 sent back to the ingest queue, 0 kept');
    await stack.idle();
    expect((await summary()).totalEvents).toBe(before + 1);
    // The unreadable one failed again and is back in the dead-letter queue, with its reason.
    expect(stack.deadLetters().map((l) => l.reason)).toEqual([
      'unreadable record: detail is missing or of an unknown version',
    ]);
  });
});
