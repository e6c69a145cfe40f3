import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { errorResponse } from '../../../lambdas/shared/http.ts';
import { routerFor } from '../../../lambdas/shared/router.ts';
import { trackRoutes } from '../../../lambdas/track/routes.ts';
import { basicAuth, httpEvent } from '../../helpers/events.ts';

const eb = mockClient(EventBridgeClient);
const route = routerFor(
  'track',
  trackRoutes({
    resolveWriteKey: async (secret) => (secret === 'tk_good' ? 'p1' : undefined),
    eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
    busName: 'bus',
    now: () => Date.parse('2026-11-22T12:00:00Z'),
    publishBaseDelayMs: 0,
  }),
);

/** Runs the route as the handler does, errors mapped to responses. */
async function call(event: ReturnType<typeof httpEvent>) {
  try {
    const res = await route(event);
    return {
      status: res.statusCode,
      headers: res.headers ?? {},
      body: JSON.parse(res.body ?? 'null'),
    };
  } catch (error) {
    const res = errorResponse(error);
    return {
      status: res.statusCode,
      headers: res.headers ?? {},
      body: JSON.parse(res.body ?? 'null'),
    };
  }
}

beforeEach(() => {
  eb.reset();
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
});

describe('POST /v1/track', () => {
  it('accepts an event with the write key as Basic username and publishes it', async () => {
    const res = await call(
      httpEvent('POST /v1/track', {
        headers: basicAuth('tk_good'),
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
    ['an unknown key', basicAuth('tk_bad')],
    ['another scheme', { authorization: 'Digest abc' }],
  ])('refuses %s with 401 and publishes nothing', async (_, headers) => {
    const res = await call(
      httpEvent('POST /v1/track', { headers, body: { userId: 'u1', event: 'x' } }),
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: { code: 'unauthorized', message: 'Missing or invalid credentials' },
    });
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 400 with a JSON error for a malformed body and publishes nothing', async () => {
    const res = await call(
      httpEvent('POST /v1/track', { headers: basicAuth('tk_good'), body: '{"userId":' }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toMatch(/not valid JSON/);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 400 naming the problem for an invalid event', async () => {
    const res = await call(
      httpEvent('POST /v1/track', { headers: basicAuth('tk_good'), body: { event: 'x' } }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.rejected).toEqual([
      { index: 0, code: 'invalid', reason: 'userId or anonymousId is required' },
    ]);
  });

  it('answers 413 for a body over 500 KB', async () => {
    const res = await call(
      httpEvent('POST /v1/track', {
        headers: basicAuth('tk_good'),
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
        headers: basicAuth('tk_good'),
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
