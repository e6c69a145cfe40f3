/**
 * Message insights through the local twin: chat messages sent with the write key come back
 * scored, classified and summed per conversation and per channel, exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
// An hour ago, one minute apart: inside the default 7-day range whatever the time of day.
const base = Date.now() - 3_600_000;
const at = (minute: number) => new Date(base + minute * 60_000).toISOString();

const messages = [
  ['m-1', 'c-100', 'web', 'ann', 'user', { content: 'Hi! Thanks, the new dashboard is great' }],
  ['m-2', 'c-100', 'web', 'ann', 'assistant', { content: 'Sure, I can help with that.' }],
  ['m-3', 'c-200', 'email', 'bob', 'user', { content: 'The export is broken and I am angry' }],
  ['m-4', 'c-200', 'email', 'bob', 'user', { text: 'Cancel my subscription, it is useless' }],
  ['m-5', 'c-100', 'web', 'ann', 'user', { message: 'How do I export my data?' }],
  ['m-6', 'c-200', 'email', 'bob', 'assistant', { content: 'Your invoice is attached.' }],
  // No text: counted, never scored.
  ['m-7', 'c-100', 'web', 'ann', 'assistant', { tokens: 42, model: 'gpt-4o' }],
] as const;

beforeAll(async () => {
  stack = await startTestStack('insights');
  const batch = [
    ...messages.map(([messageId, conversationId, channel, userId, role, body], i) => ({
      type: 'track',
      event: 'message.sent',
      messageId,
      userId,
      timestamp: at(i),
      properties: { conversationId, channel, role, ...body },
    })),
    // Not a message: never in the insights.
    {
      type: 'track',
      event: 'Page Viewed',
      userId: 'ann',
      timestamp: at(8),
      properties: { content: 'great' },
    },
  ];
  const res = await request(`${stack.baseUrl}/v1/batch`, {
    headers: basic(stack.credentials.writeKey),
    body: { batch },
  });
  expect(res.status).toBe(200);
  await stack.idle();
});
afterAll(() => stack?.stop());

const insights = (query = '', token = stack.credentials.adminToken) =>
  request(`${stack.baseUrl}/api/v1/analytics/messages/insights${query}`, {
    headers: bearer(token),
  });

const ids = (body: unknown) =>
  (body as { messages: { messageId: string }[] }).messages.map((m) => m.messageId);

describe('GET /api/v1/analytics/messages/insights', () => {
  it('scores and classifies each message, and sums them per conversation and channel', async () => {
    const res = await insights();
    expect(res.status).toBe(200);
    const message = (
      i: number,
      textLength: number,
      sentiment: { label: string; score: number | null },
      intent: string,
    ) => {
      const [messageId, conversationId, channel, userId, role] = messages[i - 1] ?? [];
      return {
        messageId,
        conversationId,
        channel,
        userId,
        role,
        timestamp: at(i - 1),
        textLength,
        sentiment,
        intent,
      };
    };
    expect(res.body).toEqual({
      project: 'default',
      range: {
        name: '7d',
        from: new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10),
        to: new Date().toISOString().slice(0, 10),
      },
      provider: 'lexicon',
      messages: [
        message(7, 0, { label: 'unknown', score: null }, 'unknown'),
        message(6, 25, { label: 'neutral', score: 0 }, 'other'),
        message(5, 24, { label: 'neutral', score: 0 }, 'support'),
        message(4, 37, { label: 'negative', score: -0.612 }, 'cancel'),
        message(3, 35, { label: 'negative', score: -0.718 }, 'complaint'),
        message(2, 27, { label: 'positive', score: 0.459 }, 'support'),
        message(1, 38, { label: 'positive', score: 0.791 }, 'greeting'),
      ],
      conversations: [
        {
          conversationId: 'c-100',
          messages: 4,
          scored: 3,
          averageScore: 0.417,
          sentiment: { positive: 2, negative: 0, neutral: 1, mixed: 0, unknown: 1 },
          intents: { support: 2, greeting: 1, unknown: 1 },
        },
        {
          conversationId: 'c-200',
          messages: 3,
          scored: 3,
          averageScore: -0.443,
          sentiment: { positive: 0, negative: 2, neutral: 1, mixed: 0, unknown: 0 },
          intents: { cancel: 1, complaint: 1, other: 1 },
        },
      ],
      channels: [
        {
          channel: 'web',
          messages: 4,
          scored: 3,
          averageScore: 0.417,
          sentiment: { positive: 2, negative: 0, neutral: 1, mixed: 0, unknown: 1 },
          intents: { support: 2, greeting: 1, unknown: 1 },
        },
        {
          channel: 'email',
          messages: 3,
          scored: 3,
          averageScore: -0.443,
          sentiment: { positive: 0, negative: 2, neutral: 1, mixed: 0, unknown: 0 },
          intents: { cancel: 1, complaint: 1, other: 1 },
        },
      ],
      totals: {
        messages: 7,
        scored: 6,
        averageScore: -0.013,
        sentiment: { positive: 2, negative: 2, neutral: 2, mixed: 0, unknown: 1 },
        intents: { support: 2, cancel: 1, complaint: 1, greeting: 1, other: 1, unknown: 1 },
      },
      nextCursor: null,
    });
    // Only lengths leave the service, never the texts.
    expect(JSON.stringify(res.body)).not.toMatch(/dashboard|invoice|useless/);
  });

  it('pages with limit and cursor, and the aggregates cover the page only', async () => {
    const first = await insights('?limit=3');
    expect(ids(first.body)).toEqual(['m-7', 'm-6', 'm-5']);
    const body = first.body as { nextCursor: string; totals: { messages: number } };
    expect(body.totals.messages).toBe(3);
    const second = await insights(`?limit=3&cursor=${body.nextCursor}`);
    expect(ids(second.body)).toEqual(['m-4', 'm-3', 'm-2']);
    const third = await insights(
      `?limit=3&cursor=${(second.body as { nextCursor: string }).nextCursor}`,
    );
    expect(ids(third.body)).toEqual(['m-1']);
    expect((third.body as { nextCursor: unknown }).nextCursor).toBeNull();
  });

  it('filters by conversation and by channel', async () => {
    const conversation = await insights('?conversation_id=c-200');
    expect(ids(conversation.body)).toEqual(['m-6', 'm-4', 'm-3']);
    const channel = await insights('?channel=web&range=24h');
    expect(ids(channel.body)).toEqual(['m-7', 'm-5', 'm-2', 'm-1']);
    expect((channel.body as { channels: { channel: string }[] }).channels).toHaveLength(1);
  });

  it('exports one CSV row per message', async () => {
    const res = await request(
      `${stack.baseUrl}/api/v1/analytics/export/csv?report=messages/insights&conversation_id=c-200`,
      { headers: bearer(stack.credentials.adminToken) },
    );
    expect(res.status).toBe(200);
    // The body is text (not JSON); its BOM is dropped by the UTF-8 decode (service.test.ts checks it).
    const lines = (res.body as string).trim().split('\n');
    expect(lines).toEqual([
      'messageId,conversationId,channel,userId,role,timestamp,textLength,sentiment,score,intent',
      `m-6,c-200,email,bob,assistant,${at(5)},25,neutral,0,other`,
      `m-4,c-200,email,bob,user,${at(3)},37,negative,-0.612,cancel`,
      `m-3,c-200,email,bob,user,${at(2)},35,negative,-0.718,complaint`,
    ]);
  });

  it('needs an admin token for the project', async () => {
    expect((await request(`${stack.baseUrl}/api/v1/analytics/messages/insights`)).status).toBe(401);
    expect((await insights('', await stack.issuer.mint({ role: 'viewer' }))).status).toBe(403);
    const other = await stack.issuer.mint({ role: 'admin', projects: ['other'] });
    expect((await insights('?project=default', other)).status).toBe(403);
    expect(ids((await insights('', other)).body)).toEqual([]);
  });

  it('answers 400 for an invalid query', async () => {
    expect((await insights('?limit=0')).status).toBe(400);
    expect((await insights('?cursor=not-a-cursor')).status).toBe(400);
  });
});
