import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { routerFor } from '../../../lambdas/http/router.ts';
import { trackRoutes } from '../../../lambdas/track/routes.ts';
import { httpEvent, silentLog } from '../../helpers/events.ts';
import { basic } from '../../helpers/http.ts';
import { respond, trackTestRouter } from '../../helpers/route.ts';

const eb = mockClient(EventBridgeClient);
const route = trackTestRouter(new EventBridgeClient({ region: 'us-east-1' }));

/** Runs the route as the handler does, errors mapped to responses. */
async function call(event: ReturnType<typeof httpEvent>) {
  const res = await respond(route, event);
  return {
    status: res.statusCode,
    headers: res.headers ?? {},
    body: JSON.parse(res.body ?? 'null'),
  };
}

beforeEach(() => {
  eb.reset();
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
});

describe('POST /v1/track', () => {
  it('accepts an event with the write key as Basic username and publishes it', async () => {
    const res = await call(
      httpEvent('POST /v1/track', {
        headers: basic('tk_good'),
        body: { userId: 'u1', event: 'Signed Up' },
      }),
    );
    expect(res).toMatchObject({ status: 200, body: { success: true, accepted: 1 } });
    const detail = JSON.parse(
      eb.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.Detail as string,
    );
    expect(detail.events[0]).toMatchObject({
      projectId: 'p1',
      type: 'track',
      event: 'Signed Up',
      userId: 'u1',
    });
  });

  it('accepts the write key as a Bearer token', async () => {
    const res = await call(
      httpEvent('POST /v1/track', {
        headers: { authorization: 'Bearer tk_good' },
        body: { userId: 'u1', event: 'x' },
      }),
    );
    expect(res.status).toBe(200);
  });

  it.each([
    ['no credentials', {}],
    ['an unknown key', basic('tk_bad')],
    ['another scheme', { authorization: 'Digest abc' }],
  ])('refuses %s with 401 and publishes nothing', async (_, headers) => {
    const res = await call(
      httpEvent('POST /v1/track', { headers, body: { userId: 'u1', event: 'x' } }),
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      code: 'unauthorized',
      message: 'Missing or invalid credentials',
      error: { code: 'unauthorized', message: 'Missing or invalid credentials' },
    });
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 400 with a JSON error for a malformed body and publishes nothing', async () => {
    const res = await call(
      httpEvent('POST /v1/track', { headers: basic('tk_good'), body: '{"userId":' }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toMatch(/not valid JSON/);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 400 naming the problem for an invalid event', async () => {
    const res = await call(
      httpEvent('POST /v1/track', { headers: basic('tk_good'), body: { event: 'x' } }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.rejected).toEqual([
      { index: 0, code: 'invalid', reason: 'userId or anonymousId is required' },
    ]);
  });

  it('answers 413 for a body over 500 KB', async () => {
    const res = await call(
      httpEvent('POST /v1/track', {
        headers: basic('tk_good'),
        body: { userId: 'u', event: 'x', properties: { b: 'x'.repeat(520_000) } },
      }),
    );
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('answers 503 with Retry-After when the bus keeps refusing', async () => {
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }],
    });
    const res = await call(
      httpEvent('POST /v1/track', {
        headers: basic('tk_good'),
        body: { userId: 'u1', event: 'x' },
      }),
    );
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.error).toMatchObject({ code: 'unavailable', accepted: 0, failed: [0] });
  });
});

describe('GET /health', () => {
  it('answers without credentials', async () => {
    expect(await call(httpEvent('GET /health'))).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
  });
});

const entriesOf = (detailType: string) =>
  eb
    .commandCalls(PutEventsCommand)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    .filter((e) => e.DetailType === detailType)
    .map((e) => JSON.parse(e.Detail as string));
const published = () =>
  entriesOf('tally.events').flatMap((d) => d.events as Record<string, unknown>[]);
/** The rejected items published on the bus, with the request facts of their entry. */
const publishedRejections = (): Record<string, unknown>[] =>
  entriesOf('tally.rejections').flatMap((d) =>
    (d.rejections as Record<string, unknown>[]).map((r) => ({
      projectId: d.projectId,
      keyId: d.keyId,
      route: d.route,
      ...r,
    })),
  );

describe('Segment endpoints', () => {
  it.each([
    ['identify', { userId: 'u1', traits: { plan: 'pro' } }],
    ['page', { anonymousId: 'a1', name: 'Pricing', properties: { url: 'https://x.test/pricing' } }],
    ['screen', { userId: 'u1', name: 'Home' }],
    ['group', { userId: 'u1', groupId: 'acme', traits: { seats: 10 } }],
    ['alias', { userId: 'u1', previousId: 'a1' }],
  ])('POST /v1/%s accepts its message type', async (type, body) => {
    const res = await call(httpEvent(`POST /v1/${type}`, { headers: basic('tk_good'), body }));
    expect(res).toMatchObject({ status: 200, body: { success: true, accepted: 1 } });
    expect(published()[0]).toMatchObject({ type, projectId: 'p1' });
  });

  it('POST /v1/batch judges each item, merges batch context and sentAt, and reports the rejected', async () => {
    const res = await call(
      httpEvent('POST /v1/batch', {
        headers: basic('tk_good'),
        body: {
          sentAt: '2026-11-22T12:00:10.000Z',
          context: { library: { name: 'analytics-node', version: '2.1.0' } },
          batch: [
            {
              type: 'track',
              userId: 'u1',
              event: 'A',
              timestamp: '2026-11-22T12:00:00.000Z',
              messageId: 'm1',
            },
            { type: 'identify', userId: 'u1', traits: { email: 'a@x.test' } },
            { type: 'track', userId: 'u1' },
            { type: 'teleport', userId: 'u1' },
          ],
        },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      accepted: 2,
      rejected: [
        { index: 2, code: 'invalid', reason: expect.stringMatching(/^event: /) },
        { index: 3, code: 'invalid', reason: expect.stringMatching(/^type must be one of/) },
      ],
    });
    const [first] = published();
    // sentAt is 10 s after the timestamp: the server received it at 12:00:00, so it happened at 11:59:50.
    expect(first).toMatchObject({
      messageId: 'm1',
      timestamp: '2026-11-22T11:59:50.000Z',
      context: { library: { name: 'analytics-node' } },
    });
    // The rejected items go on the bus too, for the rejections report.
    expect(publishedRejections()).toEqual([
      expect.objectContaining({
        projectId: 'p1',
        route: 'POST /v1/batch',
        index: 2,
        code: 'invalid',
        sample: '{"type":"track","userId":"u1"}',
      }),
      expect.objectContaining({ index: 3, code: 'invalid', reason: res.body.rejected[1].reason }),
    ]);
  });

  it('publishes each rejected item with an id its resend repeats and a safe, cut copy of it', async () => {
    const bad = {
      type: 'track',
      userId: 'u1',
      writeKey: 'tk_secret',
      context: { ip: '203.0.113.7', note: 'x'.repeat(5000) },
      properties: { a: { b: { c: { d: { e: 1 } } } } },
    };
    const send = () =>
      call(
        httpEvent('POST /v1/batch', {
          headers: basic('tk_good'),
          body: { batch: [{ type: 'track', userId: 'u1', event: 'ok' }, bad] },
        }),
      );
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    const [first, again] = publishedRejections();
    expect(first?.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(again?.id).toBe(first?.id);
    const sample = String(first?.sample);
    expect(sample).not.toContain('tk_secret');
    expect(sample).not.toContain('203.0.113');
    expect(sample).toContain('"writeKey":"[redacted]"');
    expect(sample).toContain('"c":"[Object]"');
    expect(sample.length).toBeLessThanOrEqual(1000);
    expect(sample).not.toContain('x'.repeat(201));
  });

  it('publishes the items of a request with nothing valid, and answers even when the bus refuses them', async () => {
    const res = await call(
      httpEvent('POST /v1/batch', {
        headers: basic('tk_good'),
        body: { batch: [{ type: 'track', userId: 'u1' }] },
      }),
    );
    expect(res.status).toBe(400);
    expect(publishedRejections()).toHaveLength(1);

    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }],
    });
    const refused = await call(
      httpEvent('POST /v1/batch', {
        headers: basic('tk_good'),
        body: { batch: [{ type: 'track', userId: 'u1' }] },
      }),
    );
    // The answer still names the item; the operator's log says the report missed it.
    expect(refused.status).toBe(400);
    expect(refused.body.error.rejected).toHaveLength(1);
  });

  it('publishes a messageId repeated within one request once, and says so', async () => {
    const res = await call(
      httpEvent('POST /v1/batch', {
        headers: basic('tk_good'),
        body: {
          batch: [
            { type: 'track', userId: 'u', event: 'A', messageId: 'same' },
            { type: 'track', userId: 'u', event: 'B', messageId: 'other' },
            { type: 'track', userId: 'u', event: 'A', messageId: 'same' },
          ],
        },
      }),
    );
    expect(res).toMatchObject({ status: 200, body: { success: true, accepted: 3, duplicates: 1 } });
    expect(published().map((e) => e.messageId)).toEqual(['same', 'other']);
  });

  it('POST /v1/batch refuses a body without a batch array', async () => {
    const res = await call(
      httpEvent('POST /v1/batch', { headers: basic('tk_good'), body: { events: [] } }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^invalid batch: batch: /);
  });

  it('accepts the first 2,500 items of a larger batch and names each one over the limit', async () => {
    const batch = Array.from({ length: 2503 }, (_, i) => ({
      type: 'track',
      userId: 'u',
      event: 'e',
      messageId: `m${i}`,
    }));
    const res = await call(
      httpEvent('POST /v1/batch', { headers: basic('tk_good'), body: { batch } }),
    );
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(2500);
    expect(
      res.body.rejected.map((r: { index: number; messageId: string; code: string }) => [
        r.index,
        r.messageId,
        r.code,
      ]),
    ).toEqual([
      [2500, 'm2500', 'too_many'],
      [2501, 'm2501', 'too_many'],
      [2502, 'm2502', 'too_many'],
    ]);
    expect(published()).toHaveLength(2500);
  });

  it('POST /v1/batch refuses a batch context no event could carry: 400 naming it, never 503', async () => {
    const big = {
      a: 'x'.repeat(8000),
      b: 'x'.repeat(8000),
      c: 'x'.repeat(8000),
      d: 'x'.repeat(8000),
      e: 'x'.repeat(2000),
    };
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const polluted = '{"__proto__":{"admin":true}}';
    const batch = JSON.stringify(
      Array.from({ length: 200 }, () => ({ type: 'track', userId: 'u', event: 'e' })),
    );
    for (const [context, message] of [
      [
        JSON.stringify(big),
        /^invalid batch: context is 34\d{3} bytes, and is merged into every event, whose limit is 32768$/,
      ],
      [deep, /^invalid batch: \$\.context(\.a){9}: nested deeper than 10 levels$/],
      [polluted, /^invalid batch: \$\.context: property name "__proto__" is not allowed$/],
    ] as const) {
      const res = await call(
        httpEvent('POST /v1/batch', {
          headers: basic('tk_good'),
          body: `{"context":${context},"batch":${batch}}`,
        }),
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'validation_failed',
        message: expect.stringMatching(message),
      });
    }
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 400, not 500, for 5,000-deep nesting in a single message', async () => {
    const body = `{"userId":"u","event":"x","properties":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const res = await call(httpEvent('POST /v1/track', { headers: basic('tk_good'), body }));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/nested deeper than 10 levels$/);
  });

  it('answers 400 for tokens: 1e200 on one message, and a 200 naming it in a batch', async () => {
    const bad = {
      type: 'track',
      userId: 'u',
      event: 'message.sent',
      messageId: 'poison',
      properties: { tokens: 1e200, model: 'm' },
    };
    const good = {
      type: 'track',
      userId: 'u',
      event: 'message.sent',
      messageId: 'fine',
      properties: { tokens: 150, model: 'm' },
    };
    const single = await call(
      httpEvent('POST /v1/track', { headers: basic('tk_good'), body: bad }),
    );
    expect(single.status).toBe(400);
    expect(single.body.error.message).toBe(
      'properties.tokens must be an integer from 0 to 1000000000 on message.sent',
    );
    const batch = await call(
      httpEvent('POST /v1/batch', { headers: basic('tk_good'), body: { batch: [bad, good] } }),
    );
    expect(batch.status).toBe(200);
    expect(batch.body).toMatchObject({
      accepted: 1,
      rejected: [
        { index: 0, messageId: 'poison', code: 'invalid', reason: single.body.error.message },
      ],
    });
    expect(published().map((e) => e.messageId)).toEqual(['fine']);
  });

  it('reads the write key from the body when there is no Authorization header (analytics.js)', async () => {
    const res = await call(
      httpEvent('POST /v1/batch', {
        body: { writeKey: 'tk_good', batch: [{ type: 'track', userId: 'u', event: 'e' }] },
      }),
    );
    expect(res.status).toBe(200);
    const unknown = await call(
      httpEvent('POST /v1/batch', {
        body: { writeKey: 'tk_bad', batch: [{ type: 'track', userId: 'u', event: 'e' }] },
      }),
    );
    expect(unknown.status).toBe(401);
    const garbage = await call(httpEvent('POST /v1/track', { body: 'garbage' }));
    expect(garbage.status).toBe(401);
  });
});

describe('domain endpoints', () => {
  it('POST /v1/track/message maps the seed payload onto message.sent', async () => {
    const res = await call(
      httpEvent('POST /v1/track/message', {
        headers: basic('tk_good'),
        body: {
          message_id: 'm-1',
          conversation_id: 'c-1',
          user_id: 'u1',
          role: 'assistant',
          tokens: 150,
          model: 'gpt-3.5-turbo',
          response_time: 1.25,
        },
      }),
    );
    expect(res.status).toBe(200);
    expect(published()[0]).toMatchObject({
      type: 'track',
      event: 'message.sent',
      userId: 'u1',
      messageId: 'message.sent:c-1:m-1',
      properties: {
        tokens: 150,
        model: 'gpt-3.5-turbo',
        responseTimeMs: 1250,
        role: 'assistant',
        conversationId: 'c-1',
      },
    });
  });

  it('POST /v1/events/bulk judges each event', async () => {
    const res = await call(
      httpEvent('POST /v1/events/bulk', {
        headers: basic('tk_good'),
        body: {
          events: [
            { event_type: 'message_sent', event_data: { channel_id: '123', user_id: '456' } },
            { event_data: {} },
          ],
        },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body.rejected).toEqual([
      { index: 1, code: 'invalid', reason: expect.stringContaining('event_type') },
    ]);
    expect(published()[0]).toMatchObject({ event: 'message_sent', userId: '456' });
  });

  it('POST /v1/track/api-usage accepts a call made for no particular user', async () => {
    const res = await call(
      httpEvent('POST /v1/track/api-usage', {
        headers: basic('tk_good'),
        body: {
          endpoint: '/conversations/',
          method: 'post',
          status_code: 201,
          response_time: 0.042,
        },
      }),
    );
    expect(res.status).toBe(200);
    const [e] = published();
    expect(e).toMatchObject({
      event: 'api.request',
      properties: { endpoint: '/conversations/', method: 'POST', statusCode: 201, durationMs: 42 },
    });
    expect(e?.userId).toBeUndefined();
  });
});

describe('bots', () => {
  const botUa = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
  it('flags bot events by default and keeps them', async () => {
    const res = await call(
      httpEvent('POST /v1/page', {
        headers: basic('tk_good'),
        body: { anonymousId: 'a', context: { userAgent: botUa } },
      }),
    );
    expect(res.status).toBe(200);
    expect(published()[0]).toMatchObject({ context: { bot: true } });
  });

  it('refuses them, and says so, with TALLY_BOT_MODE=drop', async () => {
    const dropping = routerFor(
      'track',
      trackRoutes({
        auth: { resolveWriteKey: async () => 'p1' },
        privacy: { ipMode: 'truncate', botMode: 'drop' },
        eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
        busName: 'bus',
        now: Date.now,
        log: silentLog,
      }),
    );
    const res = await dropping(
      httpEvent('POST /v1/batch', {
        headers: basic('tk_good'),
        body: {
          batch: [
            { type: 'page', anonymousId: 'a', context: { userAgent: botUa } },
            { type: 'page', anonymousId: 'b' },
          ],
        },
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '').rejected).toEqual([
      {
        index: 0,
        messageId: expect.any(String),
        code: 'bot',
        reason: expect.stringContaining('known bot'),
      },
    ]);
    expect(published()).toHaveLength(1);
  });
});

describe('the per-request log line', () => {
  it('counts what each request accepted and rejected, rejected-only requests too, and nothing of what was sent', async () => {
    const lines: [string, Record<string, unknown> | undefined][] = [];
    const logging = routerFor(
      'track',
      trackRoutes({
        auth: { resolveWriteKey: async () => 'p1' },
        privacy: { ipMode: 'truncate', botMode: 'flag' },
        eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
        busName: 'bus',
        now: Date.now,
        log: { ...silentLog, info: (message, extra) => lines.push([message, extra]) },
      }),
    );
    const batch = (items: unknown[]) =>
      respond(
        logging,
        httpEvent('POST /v1/batch', { headers: basic('tk_good'), body: { batch: items } }),
      );
    expect(
      (
        await batch([
          { type: 'track', userId: 'u1', event: 'A' },
          { type: 'teleport', userId: 'secret-user' },
        ])
      ).statusCode,
    ).toBe(200);
    expect((await batch([{ type: 'track', userId: 'u1' }])).statusCode).toBe(400);
    expect(lines).toEqual([
      ['tracked', { projectId: 'p1', accepted: 1, rejected: 1 }],
      ['tracked', { projectId: 'p1', accepted: 0, rejected: 1 }],
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret-user');
  });
});

describe('compressed bodies', () => {
  const message = JSON.stringify({ userId: 'u1', event: 'Zipped' });
  const compressed = (encoding: string, bytes: Buffer) => ({
    ...httpEvent('POST /v1/track', {
      headers: { ...basic('tk_good'), 'content-encoding': encoding },
    }),
    body: bytes.toString('base64'),
    isBase64Encoded: true,
  });

  it.each([
    ['gzip', gzipSync(message)],
    ['deflate', deflateSync(message)],
    ['deflate', deflateRawSync(message)],
  ])('reads Content-Encoding %s', async (encoding, bytes) => {
    const res = await call(compressed(encoding, bytes));
    expect(res).toMatchObject({ status: 200, body: { success: true, accepted: 1 } });
  });

  it('refuses another encoding with 415, a body that is not what it says with 400', async () => {
    expect(await call(compressed('br', Buffer.from(message)))).toMatchObject({
      status: 415,
      body: { code: 'unsupported_media_type', message: expect.stringContaining('br') },
    });
    expect(await call(compressed('gzip', Buffer.from(message)))).toMatchObject({
      status: 400,
      body: { code: 'validation_failed', message: expect.stringContaining('not valid gzip') },
    });
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
