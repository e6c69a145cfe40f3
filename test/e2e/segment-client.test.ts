/**
 * The official Segment Node.js library, pointed at Tally by changing only its host: every call
 * type arrives, is counted, and a duplicate flush does not count twice.
 */
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import { bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack('segment');
});
afterAll(() => stack?.stop());

describe('@segment/analytics-node', () => {
  it('works against Tally with only its host changed', async () => {
    const analytics = new Analytics({
      writeKey: stack.credentials.writeKey,
      host: stack.baseUrl,
      flushAt: 10,
      maxRetries: 1,
    });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    const flushes: {
      url: string;
      method: string;
      headers: Record<string, string>;
      body: string;
    }[] = [];
    analytics.on('http_request', (req) => flushes.push(req));
    analytics.identify({ userId: 'ada', traits: { plan: 'pro' } });
    analytics.track({
      userId: 'ada',
      event: 'message.sent',
      properties: { tokens: 120, model: 'gpt-4o', responseTimeMs: 640 },
    });
    analytics.track({
      userId: 'ada',
      event: 'conversation.started',
      properties: { conversationId: 'c1' },
    });
    analytics.page({
      anonymousId: 'v-1',
      name: 'Pricing',
      properties: { url: 'https://example.com/pricing' },
    });
    analytics.screen({ userId: 'bob', name: 'Home' });
    analytics.group({ userId: 'bob', groupId: 'acme', traits: { seats: 5 } });
    analytics.alias({ userId: 'bob', previousId: 'v-1' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);
    await stack.idle();

    const summary = await request(`${stack.baseUrl}/api/v1/analytics/summary`, {
      headers: bearer(stack.credentials.adminToken),
    });
    expect(summary.body).toMatchObject({
      totalEvents: 7,
      totalMessages: 1,
      totalTokens: 120,
      totalConversations: 1,
      avgResponseTimeMs: 640,
    });
    const counts = await request(`${stack.baseUrl}/api/v1/analytics/event-counts`, {
      headers: bearer(stack.credentials.adminToken),
    });
    expect(
      (counts.body as { byType: { type: string; count: number }[] }).byType
        .map((t) => t.type)
        .sort(),
    ).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    const events = await request(`${stack.baseUrl}/api/v1/analytics/events?type=track`, {
      headers: bearer(stack.credentials.adminToken),
    });
    const sent = (events.body as { events: { context: { library?: { name: string } } }[] }).events;
    expect(sent[0]?.context.library?.name).toBe('@segment/analytics-node');

    // The same flush again, byte for byte (as a client retrying after a lost response would): accepted, counted once.
    expect(flushes.length).toBeGreaterThan(0);
    for (const { url, method, headers, body } of flushes) {
      const again = await fetch(url, { method, headers, body });
      expect(again.status).toBe(200);
    }
    await stack.idle();
    const afterReplay = await request(`${stack.baseUrl}/api/v1/analytics/summary`, {
      headers: bearer(stack.credentials.adminToken),
    });
    expect(afterReplay.body).toMatchObject({
      totalEvents: 7,
      totalMessages: 1,
      totalTokens: 120,
      totalConversations: 1,
    });
  });
});
