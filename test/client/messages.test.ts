/**
 * The middleware's fast path: `apiUsageJson` writes, without building the message, exactly the
 * text the general path (`buildApiUsage`, then `JSON.stringify` with the client's context on the
 * events route) writes for the same call, byte for byte, over awkward ids, templates, methods,
 * durations and contexts; and it declines every call it does not cover (the general path then
 * builds, checks and reports it).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Dropped, Tally } from '../../client/src/index.ts';
import { type ApiUsageCall, apiUsageJson, buildApiUsage } from '../../client/src/messages.ts';

const UUID = '0b7c3a52-9f1e-4c55-8d0e-2a6f9b1c4d77';

beforeEach(() => {
  vi.spyOn(globalThis.crypto, 'randomUUID').mockReturnValue(UUID);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-03T07:05:09.042Z'));
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** What the client queues for `call` on the general path. */
function general(call: ApiUsageCall, context: Record<string, unknown>) {
  const { message, route } = buildApiUsage(call);
  const sent = route === 'events' ? { ...message, context } : message;
  return { json: JSON.stringify(sent), route };
}

const contexts: Record<string, unknown>[] = [
  { library: { name: '@tally/client', version: '0.1.0' } },
  {
    library: { name: '@tally/client', version: '0.1.0' },
    app: { name: 'chat-api', 'ü"\\': [1, null] },
  },
];
const users: ApiUsageCall['userId'][] = [
  undefined,
  null,
  '',
  '   ',
  'u1',
  ' u 2 ',
  42,
  0,
  'ü😀"\\\n',
];
const endpoints = [
  '/users/:id',
  '  /a b  ',
  '/quote"and\\back\nline\u2028',
  '/ünï/😀',
  'x'.repeat(8192),
];
const methods = ['get', ' Post ', 'ǆ', 'PATCH'];
const durations = [undefined, 0, -0, 1.23456, 0.0004, 5e-7, 1e21, Number.NaN, Infinity];
const statuses = [100, 200, 404, 599];

describe('apiUsageJson', () => {
  it('writes what the general path writes, byte for byte', () => {
    let compared = 0;
    for (const context of contexts) {
      const contextJson = JSON.stringify(context);
      for (const userId of users)
        for (const endpoint of endpoints)
          for (const method of methods)
            for (const durationMs of durations)
              for (const statusCode of statuses) {
                const call: ApiUsageCall = { endpoint, method, statusCode, durationMs, userId };
                const fast = apiUsageJson(call, contextJson);
                expect(fast).toEqual(general(call, context));
                compared++;
              }
    }
    expect(compared).toBe(2 * 9 * 5 * 4 * 9 * 4);
  });

  it('routes a call with a user to /v1/batch and one without to /v1/events/bulk', () => {
    const ctx = JSON.stringify(contexts[0]);
    const base = { endpoint: '/users/:id', method: 'GET', statusCode: 200 };
    expect(apiUsageJson({ ...base, userId: 'u1' }, ctx)?.route).toBe('batch');
    expect(apiUsageJson({ ...base, userId: ' ' }, ctx)?.route).toBe('events');
    expect(JSON.parse(apiUsageJson(base, ctx)?.json ?? '')).toEqual({
      messageId: UUID,
      timestamp: '2026-12-03T07:05:09.042Z',
      event: 'api.request',
      properties: { endpoint: '/users/:id', method: 'GET', statusCode: 200 },
      context: contexts[0],
    });
  });

  it('declines what it does not cover, and the general path handles it', () => {
    const ctx = JSON.stringify(contexts[0]);
    const base: ApiUsageCall = { endpoint: '/users/:id', method: 'GET', statusCode: 200 };
    const declined: ApiUsageCall[] = [
      { ...base, messageId: 'm-1' },
      { ...base, timestamp: '2026-12-01T00:00:00.000Z' },
      { ...base, context: { ip: '10.0.0.1' } },
      { ...base, anonymousId: 'a-1' },
      { ...base, statusCode: 99 },
      { ...base, statusCode: 600 },
      { ...base, statusCode: 200.5 },
      { ...base, statusCode: '200' as unknown as number },
      { ...base, endpoint: '' },
      { ...base, endpoint: '   ' },
      { ...base, endpoint: 'x'.repeat(8193) },
      { ...base, endpoint: undefined as unknown as string },
      { ...base, method: '' },
      { ...base, method: 'M'.repeat(33) },
    ];
    for (const call of declined) expect(apiUsageJson(call, ctx)).toBeUndefined();
  });
});

describe('Tally.apiUsage', () => {
  it('never throws: a call the fast path cannot write is reported through onDrop as invalid', async () => {
    const drops: Dropped[] = [];
    const tally = new Tally({
      writeKey: 'k',
      host: 'http://127.0.0.1:9',
      fetch: async () => new Response('{}'),
      onDrop: (d) => drops.push(...d),
    });
    const base = { endpoint: '/a', method: 'GET', statusCode: 200 };
    const calls = [
      null,
      { ...base, durationMs: 1n },
      { ...base, userId: Object.create(null) },
      {
        ...base,
        get userId(): string {
          throw new Error('no user');
        },
      },
    ] as unknown as ApiUsageCall[];
    for (const call of calls) expect(() => tally.apiUsage(call)).not.toThrow();
    expect(drops.map((d) => d.reason)).toEqual(['invalid', 'invalid', 'invalid', 'invalid']);
    await tally.close({ timeoutMs: 100 });
  });
});
