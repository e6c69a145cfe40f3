/**
 * The API-usage middleware on real servers of each framework (node:http, Express, Fastify) and a
 * middy handler invoked with API Gateway events, reporting into the local twin: each request is
 * recorded with its route template (never the raw path), method, status, duration and user. A
 * tracker that throws changes no response, and a Tally that does not answer delays none.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import express from 'express';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  type ApiUsageSink,
  type Flushable,
  type MiddlewareOptions,
  Tally,
  tallyExpress,
  tallyFastify,
  tallyHttp,
  tallyMiddy,
} from '../../client/src/index.ts';
import { httpEvent } from '../helpers/events.ts';
import { adminGet, projectKey, storedEvents } from '../helpers/project.ts';
import { useTwin } from '../helpers/twin.ts';

const twin = useTwin('client-middleware');

type Tracker = ApiUsageSink & Flushable;
interface Answer {
  status: number;
  body: string;
}
/** A service of one framework, called as its users call it. */
interface Service {
  call(method: string, path: string, user?: string): Promise<Answer>;
  close(): Promise<void>;
}
/** Builds the service, with the middleware when a tracker is given. */
/** Options of the middleware under test (each framework's own type; cast where it is passed). */
type Options = Record<string, unknown>;
type Make = (tracker?: Tracker, options?: Options) => Promise<Service>;

/** What every service answers: the same routes in each framework. */
const REQUESTS: [method: string, path: string, user?: string][] = [
  ['GET', '/users/42', 'ada'],
  ['GET', '/users/7?tab=posts'],
  ['POST', '/users/9'],
  ['GET', '/api/items/abc'],
  ['GET', '/boom'],
  ['GET', '/nowhere/123'],
];
const STATUSES = [200, 200, 201, 200, 500, 404];

async function drive(service: Service): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const [method, path, user] of REQUESTS) out.push(await service.call(method, path, user));
  return out;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function overHttp(url: string, close: () => Promise<void>): Service {
  return {
    async call(method, path, user) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: user ? { 'x-user': user } : {},
      });
      return { status: res.status, body: await res.text() };
    },
    close,
  };
}

const closeServer = (server: Server) => () =>
  new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });

const makeHttp: Make = async (tracker, options = {}) => {
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const user = /^\/users\/([^/]+)$/.exec(path);
    const item = /^\/api\/items\/([^/]+)$/.exec(path);
    if (user) send(req.method === 'POST' ? 201 : 200, { id: user[1] });
    else if (item) send(200, { itemId: item[1] });
    else if (path === '/boom') send(500, { error: 'boom' });
    else send(404, { error: 'not found' });
  };
  const server = createServer(
    tracker
      ? tallyHttp(tracker, listener, {
          routes: ['/users/:id', '/api/items/:itemId', '/boom'],
          user: (req) => req.headers['x-user'] as string | undefined,
          ...(options as MiddlewareOptions<IncomingMessage>),
        })
      : listener,
  );
  return overHttp(await listen(server), closeServer(server));
};

const makeExpress: Make = async (tracker, options = {}) => {
  const app = express();
  if (tracker) app.use(tallyExpress(tracker, options as MiddlewareOptions<express.Request>));
  // Authentication after the tracker: the user is read when the response is done.
  app.use((req, _res, next) => {
    const user = req.header('x-user');
    if (user) Object.assign(req, { user: { id: user } });
    next();
  });
  app.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.post('/users/:id', (req, res) => {
    res.status(201).json({ id: req.params.id });
  });
  const items = express.Router();
  items.get('/items/:itemId', (req, res) => {
    res.json({ itemId: req.params.itemId });
  });
  app.use('/api', items);
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use(
    (
      _error: unknown,
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      res.status(500).json({ error: 'boom' });
    },
  );
  const server = createServer(app);
  return overHttp(await listen(server), closeServer(server));
};

const makeFastify: Make = async (tracker, options = {}) => {
  const app = Fastify();
  if (tracker) await app.register(tallyFastify(tracker, options as MiddlewareOptions<never>));
  app.addHook('onRequest', async (req) => {
    const user = req.headers['x-user'];
    if (typeof user === 'string') Object.assign(req, { user: { id: user } });
  });
  app.get<{ Params: { id: string } }>('/users/:id', async (req) => ({ id: req.params.id }));
  app.post<{ Params: { id: string } }>('/users/:id', async (req, reply) =>
    reply.code(201).send({ id: req.params.id }),
  );
  await app.register(
    async (child) => {
      child.get<{ Params: { itemId: string } }>('/items/:itemId', async (req) => ({
        itemId: req.params.itemId,
      }));
    },
    { prefix: '/api' },
  );
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not found' }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return overHttp(url, () => app.close());
};

/** API Gateway (HTTP API) in front of a Lambda: its route keys, and $default for the rest. */
const ROUTE_KEYS = ['/users/{id}', '/api/items/{itemId}', '/boom'];
const makeMiddy: Make = async (tracker, options = {}) => {
  const logic = async (event: APIGatewayProxyEventV2) => {
    const path = event.rawPath;
    const user = /^\/users\/([^/]+)$/.exec(path);
    const item = /^\/api\/items\/([^/]+)$/.exec(path);
    const reply = (statusCode: number, body: unknown) => ({
      statusCode,
      body: JSON.stringify(body),
    });
    if (user)
      return reply(event.requestContext.http.method === 'POST' ? 201 : 200, { id: user[1] });
    if (item) return reply(200, { itemId: item[1] });
    if (path === '/boom') throw new Error('boom');
    return reply(404, { error: 'not found' });
  };
  const base = middy<APIGatewayProxyEventV2>();
  const handler = (
    tracker ? base.use(tallyMiddy(tracker, options as MiddlewareOptions<unknown>)) : base
  )
    .use(httpErrorHandler({ logger: false, fallbackMessage: '{"error":"boom"}' }))
    .handler(logic);
  return {
    async call(method, pathWithQuery, user) {
      const [path = '/', query = ''] = pathWithQuery.split('?');
      const template = ROUTE_KEYS.find((t) =>
        new RegExp(`^${t.replace(/\{\w+\}/g, '[^/]+')}$`).test(path),
      );
      const event = httpEvent(template ? `${method} ${template}` : '$default', {
        query: Object.fromEntries(new URLSearchParams(query)),
      });
      event.rawPath = path;
      event.requestContext.http = { ...event.requestContext.http, method, path };
      if (user) {
        Object.assign(event.requestContext, {
          authorizer: { jwt: { claims: { sub: user }, scopes: [] } },
        });
      }
      const res = (await handler(event, { getRemainingTimeInMillis: () => 30_000 } as Context)) as {
        statusCode: number;
        body: string;
      };
      return { status: res.statusCode, body: res.body };
    },
    close: async () => undefined,
  };
};

const FRAMEWORKS: [name: string, make: Make, param: (name: string) => string][] = [
  ['node:http', makeHttp, (p) => `:${p}`],
  ['express', makeExpress, (p) => `:${p}`],
  ['fastify', makeFastify, (p) => `:${p}`],
  ['middy', makeMiddy, (p) => `{${p}}`],
];

describe.each(FRAMEWORKS)('%s', (name, make, param) => {
  it('records each request with its route template, method, status, duration and user', async () => {
    const project = `mw-${name.replace(':', '-')}`;
    const tally = new Tally({
      writeKey: await projectKey(twin.stack, project),
      host: twin.stack.baseUrl,
    });
    const service = await make(tally);
    const answers = await drive(service);
    await service.close();
    await tally.close();
    expect(answers.map((a) => a.status)).toEqual(STATUSES);

    await twin.stack.idle();
    const usage = await adminGet(twin.stack, 'api-usage', project);
    const byKey = (e: { method: string; endpoint: string }) => `${e.endpoint} ${e.method}`;
    const endpoints = (usage.endpoints as { method: string; endpoint: string }[]).sort((a, b) =>
      byKey(a) < byKey(b) ? -1 : 1,
    );
    expect(endpoints).toMatchObject([
      { method: 'GET', endpoint: '(unmatched)', count: 1, status: { '404': 1 } },
      { method: 'GET', endpoint: `/api/items/${param('itemId')}`, count: 1, status: { '200': 1 } },
      { method: 'GET', endpoint: '/boom', count: 1, status: { '500': 1 } },
      { method: 'GET', endpoint: `/users/${param('id')}`, count: 2, status: { '200': 2 } },
      { method: 'POST', endpoint: `/users/${param('id')}`, count: 1, status: { '201': 1 } },
    ]);

    const events = await storedEvents(twin.stack, project, '&event=api.request');
    expect(events).toHaveLength(6);
    expect(events.filter((e) => e.userId).map((e) => [e.userId, e.properties.endpoint])).toEqual([
      ['ada', `/users/${param('id')}`],
    ]);
    for (const e of events) {
      expect(e.properties.durationMs).toEqual(expect.any(Number));
      expect(e.properties.durationMs as number).toBeGreaterThanOrEqual(0);
    }
  });

  it('answers exactly as without it when the tracker throws', async () => {
    const broken: Tracker = {
      apiUsage: () => {
        throw new Error('tracker down');
      },
      flush: async () => {
        throw new Error('tracker down');
      },
    };
    const plain = await make();
    const expected = await drive(plain);
    await plain.close();
    for (const options of [
      {},
      {
        user: () => {
          throw new Error('no user');
        },
      },
      {
        route: () => {
          throw new Error('no route');
        },
      },
    ]) {
      const service = await make(broken, options);
      expect(await drive(service)).toEqual(expected);
      await service.close();
    }
    expect(expected.map((a) => a.status)).toEqual(STATUSES);
  });

  it('answers while Tally does not', async () => {
    const p = await twin.proxy();
    p.policy = () => 'hang';
    const tally = new Tally({
      writeKey: 'tk_any',
      host: p.url,
      flushAt: 1,
      maxInFlight: 1,
      onDrop: () => undefined,
    });
    const service = await make(tally, { flush: false });
    await service.call('GET', '/users/1');
    await expect.poll(() => p.held()).toBe(1);
    expect((await drive(service)).map((a) => a.status)).toEqual(STATUSES);
    expect(p.held()).toBe(1);
    expect(tally.stats().queued + tally.stats().inFlight).toBe(1 + REQUESTS.length);
    await service.close();
    await tally.close({ timeoutMs: 50 });
  });
});

describe('middy on Lambda', () => {
  it('flushes before the invocation returns', async () => {
    const tally = new Tally({
      writeKey: await projectKey(twin.stack, 'mw-flush'),
      host: twin.stack.baseUrl,
    });
    const service = await makeMiddy(tally);
    expect(await service.call('GET', '/users/42')).toMatchObject({ status: 200 });
    expect(tally.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 1 });
    await tally.close();
  });

  it('returns after flushTimeoutMs when Tally does not answer, keeping the event for later', async () => {
    const p = await twin.proxy();
    p.policy = () => 'hang';
    const drops: unknown[] = [];
    const tally = new Tally({ writeKey: 'tk_any', host: p.url, onDrop: (d) => drops.push(...d) });
    const service = await makeMiddy(tally, { flushTimeoutMs: 200 });
    expect(await service.call('GET', '/users/42')).toEqual({ status: 200, body: '{"id":"42"}' });
    expect(tally.stats()).toMatchObject({ inFlight: 1, delivered: 0 });
    expect(drops).toEqual([]);
    await tally.close({ timeoutMs: 50 });
  });
});
