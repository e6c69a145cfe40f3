/**
 * Facts have readable names in code and short codes in storage: the codec is the only place that
 * knows the codes, and what it stores is, byte for byte, what the fact log has always held (so
 * stored items keep their size and old items still read).
 */
import { describe, expect, it } from 'vitest';
import type { TallyEvent } from '../../../lambdas/model/events.ts';
import { decodeFact, encodeFact, FACT_CODES } from '../../../lambdas/store/fact-codec.ts';
import { factOf } from '../../../lambdas/store/facts.ts';

const base = {
  projectId: 'p',
  timestamp: '2026-11-22T10:00:00.000Z',
  receivedAt: '2026-11-22T10:00:01.000Z',
  traits: {},
  context: {},
};
const track = (messageId: string, event: string, rest: Partial<TallyEvent>): TallyEvent => ({
  ...base,
  messageId,
  type: 'track',
  event,
  properties: {},
  ...rest,
});

/** Each event, and its fact exactly as the fact log stores it (the format facts always had). */
const STORED: [TallyEvent, string][] = [
  [
    track('m1', 'message.sent', {
      userId: 'u1',
      properties: {
        conversationId: 'c1',
        channel: 'web',
        agentId: 'a1',
        tokens: 12,
        inputTokens: 5,
        outputTokens: 7,
        model: 'gpt-4o',
        role: 'Assistant',
        responseTimeMs: 850,
      },
    }),
    '{"id":"m1","t":1795341600000,"ty":"track","n":"message.sent","u":"u1","cv":"c1","ag":"a1","ch":"web","tok":12,"tin":5,"tout":7,"mdl":"gpt-4o","role":"assistant","rt":850}',
  ],
  [
    track('m2', 'conversation.ended', {
      anonymousId: 'v1',
      properties: {
        conversation_id: 'c1',
        status: 'resolved',
        resourceType: 'ticket',
        resourceId: 't9',
        workflowId: 'w1',
      },
    }),
    '{"id":"m2","t":1795341600000,"ty":"track","n":"conversation.ended","u":"anon:v1","cv":"c1","rty":"ticket","rid":"t9","wf":"w1","ca":"e","cst":"resolved"}',
  ],
  [
    track('m3', 'api.request', {
      properties: { endpoint: '/v1/x/', method: 'post', statusCode: 503, durationMs: 42.5 },
    }),
    '{"id":"m3","t":1795341600000,"ty":"track","n":"api.request","ep":"/v1/x","me":"POST","sc":503,"dur":42.5,"err":1}',
  ],
  [
    track('m4', 'feedback.submitted', {
      userId: 'u2',
      properties: { rating: 4, channelId: 'email', error: true },
    }),
    '{"id":"m4","t":1795341600000,"ty":"track","n":"feedback.submitted","u":"u2","ch":"email","rat":4,"err":1}',
  ],
  [
    { ...base, messageId: 'm5', type: 'page', name: 'Home', userId: 'u3', properties: {} },
    '{"id":"m5","t":1795341600000,"ty":"page","n":"Home","u":"u3"}',
  ],
];

describe('the fact codec', () => {
  it.each(STORED)('stores %j as it always was', (event, stored) => {
    expect(JSON.stringify(encodeFact(factOf(event)))).toBe(stored);
  });

  it.each(STORED)('reads %j back with readable names', (event, stored) => {
    expect(decodeFact(JSON.parse(stored))).toEqual(factOf(event));
  });

  it('names fields in code, codes in storage', () => {
    expect(factOf(STORED[1]?.[0] as TallyEvent)).toEqual({
      id: 'm2',
      time: Date.parse('2026-11-22T10:00:00.000Z'),
      type: 'track',
      name: 'conversation.ended',
      actor: 'anon:v1',
      conversationId: 'c1',
      resourceType: 'ticket',
      resourceId: 't9',
      workflowId: 'w1',
      conversationAction: 'ended',
      conversationStatus: 'resolved',
    });
    const codes = Object.values(FACT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
