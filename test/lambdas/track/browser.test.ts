/**
 * Tracking from the browser, at the route logic: the served script is the one the source builds
 * to and within its 1 KB budget; a key limited to origins refuses the others; a browser key sends
 * page and track calls only; a browser's calls that name no user get the day's visitor id; CORS
 * of the tracking routes (preflight and every answer).
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPE } from '../../../lambdas/contract/bus.ts';
import { httpErrors } from '../../../lambdas/http/error-handler.ts';
import type { HttpEvent, HttpResult } from '../../../lambdas/http/json.ts';
import { routerFor } from '../../../lambdas/http/router.ts';
import { trackCors } from '../../../lambdas/track/cors.ts';
import { trackRoutes } from '../../../lambdas/track/routes.ts';
import { TRACKER_SCRIPT } from '../../../lambdas/track/tracker-script.ts';
import { visitorId } from '../../../lambdas/track/visitor.ts';
import { buildTracker, gzipBytes, TRACKER_BUDGET_GZIP_BYTES } from '../../../scripts/tracker.ts';
import { httpEvent, silentLog } from '../../helpers/events.ts';
import { respond } from '../../helpers/route.ts';

const eb = mockClient(EventBridgeClient);
const SITE = 'https://www.shop.example';
const NOW = Date.parse('2026-11-22T12:00:00Z');
const salts: string[] = [];
const SALT = Buffer.alloc(32, 7);

const route = routerFor(
  'track',
  trackRoutes({
    auth: {
      resolveWriteKey: async (secret) =>
        ({
          tk_server: { projectId: 'p1' },
          tk_site: { projectId: 'p1', kind: 'browser' as const, origins: [SITE] },
          tk_anywhere: { projectId: 'p1', kind: 'browser' as const },
        })[secret],
    },
    privacy: { ipMode: 'truncate', botMode: 'flag' },
    eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
    busName: 'bus',
    now: () => NOW,
    visitorSalt: async (day) => {
      salts.push(day);
      return SALT;
    },
    log: silentLog,
    publishBaseDelayMs: 0,
  }),
);

const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

/** A beacon as the tracker sends it: text/plain, the key in the body, the page's Origin. */
function beacon(path: string, body: Record<string, unknown>, origin: string | null = SITE) {
  const event = httpEvent(`POST ${path}`, {
    headers: {
      'content-type': 'text/plain;charset=UTF-8',
      'user-agent': UA,
      ...(origin ? { origin } : {}),
    },
    body,
    sourceIp: '198.51.100.7',
  });
  return respond(route, event).then((res) => ({
    status: res.statusCode,
    body: JSON.parse(res.body ?? 'null'),
  }));
}

const published = () =>
  eb
    .commandCalls(PutEventsCommand)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    // The events, not the rejected items (published as tally.rejections beside them).
    .filter((e) => e.DetailType === DETAIL_TYPE)
    .flatMap((e) => JSON.parse(e.Detail as string).events);

beforeEach(() => {
  eb.reset();
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  salts.length = 0;
});

describe('GET /t.js', () => {
  it('serves the script the source builds to, under 1 KB gzipped, as JavaScript', async () => {
    const res = await respond(route, httpEvent('GET /t.js'));
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.body).toBe(TRACKER_SCRIPT);
    // The checked-in module is current: `npm run build` regenerates it.
    expect(TRACKER_SCRIPT).toBe(buildTracker());
    expect(gzipBytes(TRACKER_SCRIPT)).toBeLessThanOrEqual(TRACKER_BUDGET_GZIP_BYTES);
    // Nothing that keeps state in the browser.
    expect(TRACKER_SCRIPT).not.toMatch(/cookie|localStorage|sessionStorage|indexedDB/);
  });
});

describe('a key limited to origins', () => {
  it('is accepted from its origin, text/plain body and key in the body', async () => {
    const res = await beacon('/v1/page', { writeKey: 'tk_site', properties: { path: '/' } });
    expect(res).toMatchObject({ status: 200, body: { accepted: 1 } });
  });

  it('is refused from another origin, or without one, with a JSON reason', async () => {
    const other = await beacon('/v1/page', { writeKey: 'tk_site' }, 'https://evil.example');
    expect(other.status).toBe(403);
    expect(other.body.message).toBe(
      `origin https://evil.example is not allowed for this write key (allowed: ${SITE})`,
    );
    const none = await beacon('/v1/page', { writeKey: 'tk_site' }, null);
    expect(none.status).toBe(403);
    expect(none.body.message).toContain('has no Origin header');
    expect(published()).toHaveLength(0);
  });
});

describe('a browser key', () => {
  it.each([
    ['/v1/identify', 'not identify'],
    ['/v1/alias', 'not alias'],
    ['/v1/group', 'not group'],
    ['/v1/screen', 'not screen'],
    ['/v1/track/message', 'not the message endpoint'],
    ['/v1/events', 'not the event endpoint'],
  ])('is refused on %s (403, %s)', async (path, says) => {
    const res = await beacon(path, {
      writeKey: 'tk_anywhere',
      userId: 'u1',
      traits: { plan: 'free' },
      previousId: 'a',
      groupId: 'g',
    });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain(says);
    expect(published()).toHaveLength(0);
  });

  it('in a batch, refuses each other call by index and keeps the page and track calls', async () => {
    const res = await beacon('/v1/batch', {
      writeKey: 'tk_anywhere',
      batch: [
        { type: 'page', anonymousId: 'a', properties: { path: '/' } },
        { type: 'identify', userId: 'u1', traits: { admin: true } },
        { type: 'track', anonymousId: 'a', event: 'Clicked' },
        { type: 'alias', userId: 'u1', previousId: 'a' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected).toEqual([
      {
        index: 1,
        code: 'forbidden',
        reason: 'a browser write key may send only page and track calls, not identify',
      },
      {
        index: 3,
        code: 'forbidden',
        reason: 'a browser write key may send only page and track calls, not alias',
      },
    ]);
    expect(published().map((e) => e.type)).toEqual(['page', 'track']);
  });
});

describe('visitor ids', () => {
  it("a browser call naming no user gets the day's visitor id; named users and servers do not", async () => {
    const res = await beacon('/v1/batch', {
      writeKey: 'tk_server',
      batch: [
        { type: 'page', properties: { path: '/' } },
        { type: 'track', event: 'Clicked' },
        { type: 'page', userId: 'u1' },
      ],
    });
    expect(res).toMatchObject({ status: 200, body: { accepted: 3 } });
    const expected = visitorId(SALT, 'p1', '198.51.100.7', UA);
    expect(expected).toMatch(/^v_[A-Za-z0-9_-]{22}$/);
    expect(published().map((e) => [e.anonymousId, e.userId])).toEqual([
      [expected, undefined],
      [expected, undefined],
      [undefined, 'u1'],
    ]);
    expect(salts).toEqual(['2026-11-22']);
    // The tracker sends no user agent: the browser's request header is the event's.
    expect(published()[0].context).toMatchObject({
      userAgent: UA,
      browser: { name: 'Chrome' },
      os: { name: 'Linux' },
    });
    // A server's call (no Origin) without a user is invalid, as before.
    const server = await beacon('/v1/page', { writeKey: 'tk_server' }, null);
    expect(server.status).toBe(400);
    expect(server.body.message).toContain('userId or anonymousId is required');
  });

  it('differs by project, address, user agent and salt', () => {
    const base = visitorId(SALT, 'p1', '198.51.100.7', UA);
    expect(
      new Set([
        base,
        visitorId(SALT, 'p2', '198.51.100.7', UA),
        visitorId(SALT, 'p1', '198.51.100.8', UA),
        visitorId(SALT, 'p1', '198.51.100.7', `${UA} Edg/131`),
        visitorId(Buffer.alloc(32, 8), 'p1', '198.51.100.7', UA),
      ]).size,
    ).toBe(5);
    expect(visitorId(SALT, 'p1', '198.51.100.7', UA)).toBe(base);
  });
});

describe('CORS of the tracking routes', () => {
  const handler = middy<HttpEvent, HttpResult>()
    .use(trackCors())
    .use(httpErrors(silentLog))
    .handler(route);
  const run = (event: HttpEvent) => handler(event, {} as never) as Promise<HttpResult>;

  it('answers a preflight from any origin before any route, with the methods and headers', async () => {
    const event = httpEvent('ANY /v1/page', { headers: { origin: 'https://a.example' } });
    event.requestContext.http.method = 'OPTIONS';
    const res = await run(event);
    expect(res.statusCode).toBe(204);
    expect(res.headers).toEqual({
      'access-control-allow-origin': 'https://a.example',
      vary: 'origin',
      'access-control-allow-methods': 'POST,GET',
      'access-control-allow-headers': 'authorization,content-type,content-encoding',
      'access-control-max-age': '600',
    });
  });

  it('names the origin on every answer, a refusal included, and nothing without one', async () => {
    const ok = await run(
      httpEvent('POST /v1/page', {
        headers: { origin: SITE, 'user-agent': UA },
        body: { writeKey: 'tk_site' },
      }),
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.headers?.['access-control-allow-origin']).toBe(SITE);
    const refused = await run(
      httpEvent('POST /v1/page', {
        headers: { origin: 'https://evil.example' },
        body: { writeKey: 'tk_site', anonymousId: 'a' },
      }),
    );
    expect(refused.statusCode).toBe(403);
    expect(refused.headers?.['access-control-allow-origin']).toBe('https://evil.example');
    const server = await run(
      httpEvent('POST /v1/page', { body: { writeKey: 'tk_server', anonymousId: 'a' } }),
    );
    expect(server.statusCode).toBe(200);
    expect(server.headers?.['access-control-allow-origin']).toBeUndefined();
  });
});
