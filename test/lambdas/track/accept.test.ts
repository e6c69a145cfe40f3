import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../lambdas/model/limits.ts';
import { judge } from '../../../lambdas/track/accept.ts';

const req = {
  projectId: 'p1',
  receivedAt: Date.parse('2026-11-22T12:00:00Z'),
  sourceIp: undefined,
  privacy: { ipMode: 'truncate' as const, botMode: 'flag' as const },
};

describe('judge', () => {
  it('accepts valid items and names each rejected one with its index and reason', async () => {
    const items = [
      { type: 'track', userId: 'u1', event: 'A' },
      { type: 'track', userId: 'u1' },
      { type: 'identify', anonymousId: 'a1', traits: { plan: 'pro' } },
      { type: 'track', event: 'no user' },
      'not an object',
      { type: 'bogus', userId: 'u' },
    ];
    const { accepted, rejected } = await judge(items, {}, req);
    expect(accepted.map((a) => a.index)).toEqual([0, 2]);
    expect(rejected.map((r) => r.index)).toEqual([1, 3, 4, 5]);
    expect(rejected[0]?.reason).toMatch(/^event: /);
    expect(rejected[1]?.reason).toBe('userId or anonymousId is required');
    expect(rejected[2]?.reason).toBe('each event must be a JSON object');
    expect(rejected[3]?.reason).toMatch(/^type must be one of track, identify/);
  });

  it('refuses prototype-polluting property names', async () => {
    const item = JSON.parse('{"userId":"u","event":"x","properties":{"__proto__":{"admin":true}}}');
    const { rejected } = await judge([item], { type: 'track' }, req);
    expect(rejected).toEqual([
      {
        index: 0,
        code: 'invalid',
        reason: '$.properties: property name "__proto__" is not allowed',
      },
    ]);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('refuses an event over 32 KB and keeps its messageId in the report', async () => {
    const big = {
      userId: 'u',
      event: 'x',
      messageId: 'm-big',
      // Strings of at most 8,192 characters each, over 32 KB together.
      properties: Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`blob${i}`, 'x'.repeat(8000)])),
    };
    const { rejected } = await judge([big], { type: 'track' }, req);
    expect(rejected[0]).toMatchObject({ index: 0, messageId: 'm-big', code: 'too_large' });
    expect(rejected[0]?.reason).toMatch(/limit is 32768/);
  });

  it('refuses nesting deeper than the limit', async () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < LIMITS.depth + 1; i++) deep = { d: deep };
    const { rejected } = await judge(
      [{ userId: 'u', event: 'x', properties: deep }],
      { type: 'track' },
      req,
    );
    expect(rejected[0]?.reason).toMatch(/nested deeper than 10 levels/);
  });

  it('refuses a type that contradicts the endpoint', async () => {
    const { rejected } = await judge(
      [{ type: 'identify', userId: 'u', event: 'x' }],
      { type: 'track' },
      req,
    );
    expect(rejected[0]?.reason).toBe('type must be "track" on this endpoint');
  });

  it('accepts numeric user ids as strings', async () => {
    const { accepted } = await judge([{ userId: 42, event: 'x' }], { type: 'track' }, req);
    expect(accepted[0]?.event.userId).toBe('42');
  });

  it('merges the batch context under each message context, then sizes and checks the result', async () => {
    const pad = { a: 'x'.repeat(8000), b: 'x'.repeat(8000), c: 'x'.repeat(4000) };
    const context = { locale: 'en', library: { name: 'analytics-node' }, pad };
    const items = [
      { type: 'track', userId: 'u', event: 'small', context: { locale: 'fr' } },
      {
        type: 'track',
        userId: 'u',
        event: 'big',
        properties: { a: 'y'.repeat(8000), b: 'y'.repeat(7000) },
      },
      { type: 'track', userId: 'u', event: 'deep', context: { nested: { a: { b: { c: {} } } } } },
    ];
    const deepContext = {
      ...req,
      context: { d1: { d2: { d3: { d4: { d5: { d6: { d7: { d8: { d9: {} } } } } } } } } },
    };
    const { accepted, rejected } = await judge(items, {}, { ...req, context });
    expect(accepted.map((a) => a.index)).toEqual([0, 2]);
    expect(accepted[0]?.event.context).toMatchObject({
      locale: 'fr',
      library: { name: 'analytics-node' },
    });
    // 15 KB of its own plus the 20 KB context: over 32 KB only once merged.
    expect(rejected).toEqual([
      expect.objectContaining({
        index: 1,
        code: 'too_large',
        reason: expect.stringMatching(
          /^event is 35\d{3} bytes with the batch context; the limit is 32768$/,
        ),
      }),
    ]);
    // Nine levels in the batch context are ten inside each event.
    const deep = await judge([{ type: 'track', userId: 'u', event: 'x' }], {}, deepContext);
    expect(deep.rejected[0]?.reason).toMatch(/^\$\.context\.d1.*: nested deeper than 10 levels$/);
  });

  it('refuses a request whose events, the batch context merged in, pass the expanded limit', async () => {
    const context = { pad: ['x', 'x', 'x'].map((x) => x.repeat(8000)), more: 'x'.repeat(6000) };
    const items = Array.from({ length: 200 }, (_, i) => ({
      type: 'track',
      userId: 'u',
      event: 'e',
      messageId: `m${i}`,
    }));
    const { accepted, rejected } = await judge(items, {}, { ...req, context });
    const perEvent = Math.floor(LIMITS.expandedBytes / 30_100);
    expect(accepted.length).toBeGreaterThanOrEqual(perEvent - 2);
    expect(accepted.length).toBeLessThanOrEqual(perEvent);
    expect(rejected.length).toBe(200 - accepted.length);
    expect(rejected[0]).toMatchObject({
      index: accepted.length,
      messageId: `m${accepted.length}`,
      code: 'too_large',
      reason: expect.stringContaining('add up to more than 4194304 bytes'),
    });
  });

  it('refuses 5,000-deep nesting by its path, without a stack overflow', async () => {
    const body = `{"userId":"u","event":"x","properties":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const { rejected } = await judge([JSON.parse(body)], { type: 'track' }, req);
    expect(rejected).toEqual([
      {
        index: 0,
        code: 'invalid',
        reason: `$.properties${'.a'.repeat(9)}: nested deeper than 10 levels`,
      },
    ]);
  });

  it.each([
    ['1'],
    ['2026-02-30T00:00:00Z'],
    ['2026-11-22T25:00:00Z'],
    ['1969-12-31T23:59:59Z'],
    ['+275760-09-13T00:00:00Z'],
  ])('refuses timestamp %j, which is no real date from 1970 to 9999', async (timestamp) => {
    const { rejected } = await judge(
      [{ userId: 'u', event: 'x', timestamp }],
      { type: 'track' },
      req,
    );
    expect(rejected[0]?.reason).toBe(
      'timestamp: must be an ISO 8601 date-time on a real date, from 1970 to 9999',
    );
  });

  it('accepts ISO 8601 as clients write it: offsets, fractions, no zone (UTC)', async () => {
    const { accepted } = await judge(
      [
        { userId: 'u', event: 'x', timestamp: '2026-11-22T13:00:00+01:00' },
        { userId: 'u', event: 'x', timestamp: '2026-11-22T12:00:00.123456' },
        { userId: 'u', event: 'x', timestamp: '2024-02-29 12:00' },
      ],
      { type: 'track' },
      req,
    );
    expect(accepted.map((a) => a.event.timestamp)).toEqual([
      '2026-11-22T12:00:00.000Z',
      '2026-11-22T12:00:00.123Z',
      '2024-02-29T12:00:00.000Z',
    ]);
  });

  it.each([
    [
      'message.sent',
      { tokens: 1e200 },
      'properties.tokens must be an integer from 0 to 1000000000 on message.sent',
    ],
    [
      'message.sent',
      { tokens: -1 },
      'properties.tokens must be an integer from 0 to 1000000000 on message.sent',
    ],
    [
      'message.sent',
      { inputTokens: 2 ** 53 },
      'properties.inputTokens must be an integer from 0 to 1000000000 on message.sent',
    ],
    [
      'message.sent',
      { outputTokens: 'lots' },
      'properties.outputTokens must be an integer from 0 to 1000000000 on message.sent',
    ],
    [
      'message.sent',
      { responseTimeMs: 1e300 },
      'properties.responseTimeMs must be a number from 0 to 86400000 on message.sent',
    ],
    [
      'api.request',
      { statusCode: 99 },
      'properties.statusCode must be an integer from 100 to 599 on api.request',
    ],
    [
      'api.request',
      { durationMs: -0.5 },
      'properties.durationMs must be a number from 0 to 86400000 on api.request',
    ],
    [
      'feedback.submitted',
      { rating: 1e9 },
      'properties.rating must be a number from -100 to 100 on feedback.submitted',
    ],
  ])('refuses %s with %j, naming the property and its range', async (event, properties, reason) => {
    const { accepted, rejected } = await judge(
      [
        { type: 'track', userId: 'u', event, properties, messageId: 'bad' },
        { type: 'track', userId: 'u', event, properties: {}, messageId: 'good' },
      ],
      {},
      req,
    );
    expect(rejected).toEqual([{ index: 0, messageId: 'bad', code: 'invalid', reason }]);
    expect(accepted.map((a) => a.event.messageId)).toEqual(['good']);
  });

  it('accepts measures in range, as numbers or numeric strings, and leaves other events alone', async () => {
    const { accepted, rejected } = await judge(
      [
        {
          userId: 'u',
          event: 'message.sent',
          properties: { tokens: '150', responseTimeMs: 820.5 },
        },
        { userId: 'u', event: 'api.request', properties: { statusCode: 599, durationMs: null } },
        { userId: 'u', event: 'my.own.event', properties: { tokens: 1e200, statusCode: 0 } },
      ],
      { type: 'track' },
      req,
    );
    expect(rejected).toEqual([]);
    expect(accepted).toHaveLength(3);
  });

  it('refuses "__proto__" or "toString" as a type with a reason, not an exception', async () => {
    for (const type of ['__proto__', 'toString', 'constructor']) {
      const { rejected } = await judge([{ type, userId: 'u' }], {}, req);
      expect(rejected[0]?.reason).toMatch(/^type must be one of track/);
    }
  });
});
