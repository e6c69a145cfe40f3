/**
 * `GET /metrics`: exact Prometheus samples for a known dataset stored by ingest (its ingestion lag
 * too: ingest's clock is frozen at `now`), output that parses as the text exposition format, and
 * who may scrape what.
 */
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { metricsEndpoint } from '../../../lambdas/admin/metrics-endpoint.ts';
import type { AdminDeps } from '../../../lambdas/admin/report.ts';
import { jwtConfig } from '../../../lambdas/contract/config/jwt.ts';
import { createVerifier } from '../../../lambdas/http/jwt.ts';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import type { TallyEvent } from '../../../lambdas/model/events.ts';
import { ensureProject } from '../../../lambdas/store/projects.ts';
import { adminDeps, ingestDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { httpEvent, rejectionsRecord, sqsRecord, tallyEvent } from '../../helpers/events.ts';
import { PRODUCT_FAMILIES, parseExposition } from '../../helpers/exposition.ts';
import { es256Key } from '../../helpers/jwt.ts';
import { respond } from '../../helpers/route.ts';

const now = Date.parse('2026-11-22T12:00:00Z');
const ISSUER = 'https://issuer.test';
let t: TestTable;
let deps: AdminDeps;
let signingKey: CryptoKey;
let otherKey: CryptoKey;

const event = (projectId: string, overrides: Partial<TallyEvent>) =>
  tallyEvent({
    projectId,
    timestamp: '2026-11-22T10:00:00.000Z',
    receivedAt: '2026-11-22T10:00:00.000Z',
    ...overrides,
  });
const api = (method: string, endpoint: string, statusCode: number, durationMs?: number) =>
  event('p1', {
    userId: 'u1',
    event: 'api.request',
    properties: {
      method,
      endpoint,
      statusCode,
      ...(durationMs === undefined ? {} : { durationMs }),
    },
  });

beforeAll(async () => {
  t = await createTestTable();
  const signing = await es256Key('k1');
  signingKey = signing.privateKey;
  otherKey = (await es256Key('k1')).privateKey;
  const config = jwtConfig({
    JWT_JWKS_URL: `${ISSUER}/.well-known/jwks.json`,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: 'tally',
  });
  deps = adminDeps(t, now, {
    verify: createVerifier(config, signing.jwks),
    rollup: { settleMs: 0, nightlyDays: 1 },
  });

  for (const p of ['p1', 'p2', 'p3']) await ensureProject(t.ddb, t.tableName, p, p);
  const message = (userId: string, properties: Record<string, unknown>) =>
    event('p1', { userId, event: 'message.sent', properties });
  // Received 0.3 s, 2 s and 50 ms before ingest counts them; the rest two hours before.
  const receivedBefore = (ms: number) => ({ receivedAt: new Date(now - ms).toISOString() });
  const events = [
    { ...message('u1', { tokens: 100, model: 'gpt-4o' }), ...receivedBefore(300) },
    { ...message('u2', { tokens: 50, model: 'claude-3-haiku' }), ...receivedBefore(2000) },
    { ...message('u1', { tokens: 30 }), ...receivedBefore(50) },
    event('p1', { userId: 'u1', event: 'conversation.started' }),
    api('POST', '/chat', 200, 250),
    api('POST', '/chat', 200, 500),
    api('POST', '/chat', 500, 2000),
    api('GET', '/health', 200),
    // Yesterday: a user of all time, not active today.
    event('p1', { userId: 'u3', event: 'Signed Up', timestamp: '2026-11-21T10:00:00.000Z' }),
  ];
  const p2 = [
    event('p2', {
      userId: 'x1',
      event: 'message.sent',
      properties: { tokens: 7, model: 'odd "quoted" model' },
    }),
    // Web traffic: one visitor's two page views 10 minutes apart (a 600 s session), another's one
    // (a bounce).
    ...[
      ['v1', '2026-11-22T10:00:00.000Z'],
      ['v1', '2026-11-22T10:10:00.000Z'],
      ['v2', '2026-11-22T10:05:00.000Z'],
    ].map(([visitor, timestamp]) =>
      event('p2', {
        type: 'page',
        event: undefined,
        userId: undefined,
        anonymousId: visitor,
        timestamp,
        properties: { path: '/' },
      }),
    ),
  ];
  // Two distinct invalid items and one too large, each rejected twice (a client's resend).
  const rejected = (id: string, code: string) => ({
    index: 0,
    code,
    reason: `${code} item`,
    id,
    sample: '{}',
  });
  const rejections = rejectionsRecord({
    projectId: 'p1',
    keyId: 'k1',
    receivedAt: new Date(now).toISOString(),
    route: 'POST /v1/batch',
    rejections: [rejected('a', 'invalid'), rejected('b', 'invalid'), rejected('c', 'too_large')],
  });
  const resend = { ...rejections, messageId: 'resend' };
  const res = await ingest(ingestDeps(t, now), [
    sqsRecord(events),
    sqsRecord(p2),
    rejections,
    resend,
  ]);
  expect(res.batchItemFailures).toEqual([]);
  expect(res.stats.rejectionsCounted).toBe(3);
});

function token(
  claims: Record<string, unknown>,
  opts: { otherKey?: boolean; exp?: number | string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience('tally')
    .setSubject('prometheus')
    .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
    .setExpirationTime(opts.exp ?? '5m')
    .sign(opts.otherKey ? otherKey : signingKey);
}

async function scrape(authorization?: string, query?: Record<string, string>) {
  const res = await respond(
    metricsEndpoint(deps),
    httpEvent('GET /metrics', {
      headers: authorization ? { authorization } : {},
      ...(query ? { query } : {}),
    }),
  );
  return { status: res.statusCode, headers: res.headers ?? {}, body: String(res.body) };
}

const P1_SAMPLES = [
  'analytics_total_users{project="p1"} 3',
  'analytics_active_users{project="p1"} 2',
  'analytics_conversations_total{project="p1"} 1',
  'analytics_messages_total{project="p1"} 3',
  'analytics_tokens_total{project="p1",model="claude-3-haiku"} 50',
  'analytics_tokens_total{project="p1",model="gpt-4o"} 100',
  'analytics_tokens_total{project="p1",model="unknown"} 30',
  'analytics_events_total{project="p1"} 9',
  'analytics_page_views_total{project="p1"} 0',
  'analytics_unique_visitors{project="p1"} 0',
  'analytics_avg_session_duration_seconds{project="p1"} 0',
  'analytics_bounce_rate_percentage{project="p1"} 0',
  'analytics_tracking_rejections_total{project="p1",reason="invalid"} 2',
  'analytics_tracking_rejections_total{project="p1",reason="too_large"} 1',
  'analytics_api_requests_total{project="p1",endpoint="/chat",method="POST",status="200"} 2',
  'analytics_api_requests_total{project="p1",endpoint="/chat",method="POST",status="500"} 1',
  'analytics_api_requests_total{project="p1",endpoint="/health",method="GET",status="200"} 1',
  ...(
    [
      ['0.005', 0],
      ['0.01', 0],
      ['0.025', 0],
      ['0.05', 0],
      ['0.1', 0],
      ['0.25', 1],
      ['0.5', 2],
      ['1', 2],
      ['2.5', 3],
      ['5', 3],
      ['10', 3],
      ['+Inf', 3],
    ] as const
  ).map(
    ([le, n]) =>
      `analytics_api_response_time_seconds_bucket{project="p1",endpoint="/chat",method="POST",le="${le}"} ${n}`,
  ),
  'analytics_api_response_time_seconds_sum{project="p1",endpoint="/chat",method="POST"} 2.75',
  'analytics_api_response_time_seconds_count{project="p1",endpoint="/chat",method="POST"} 3',
  ...(
    [
      ['0.05', 1],
      ['0.1', 1],
      ['0.25', 1],
      ['0.5', 2],
      ['1', 2],
      ['2.5', 3],
      ['5', 3],
      ['10', 3],
      ['30', 3],
      ['60', 3],
      ['300', 3],
      ['900', 3],
      ['+Inf', 9],
    ] as const
  ).map(([le, n]) => `analytics_ingest_lag_seconds_bucket{project="p1",le="${le}"} ${n}`),
  // 0.3 + 2 + 0.05 + 6 × 7,200 s.
  'analytics_ingest_lag_seconds_sum{project="p1"} 43202.35',
  'analytics_ingest_lag_seconds_count{project="p1"} 9',
];

const P2_SAMPLES = [
  'analytics_total_users{project="p2"} 3',
  'analytics_active_users{project="p2"} 3',
  'analytics_conversations_total{project="p2"} 0',
  'analytics_messages_total{project="p2"} 1',
  'analytics_tokens_total{project="p2",model="odd \\"quoted\\" model"} 7',
  'analytics_events_total{project="p2"} 4',
  'analytics_page_views_total{project="p2"} 3',
  'analytics_unique_visitors{project="p2"} 2',
  'analytics_avg_session_duration_seconds{project="p2"} 300',
  'analytics_bounce_rate_percentage{project="p2"} 50',
  ...['0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '60', '300', '900'].map(
    (le) => `analytics_ingest_lag_seconds_bucket{project="p2",le="${le}"} 0`,
  ),
  'analytics_ingest_lag_seconds_bucket{project="p2",le="+Inf"} 4',
  'analytics_ingest_lag_seconds_sum{project="p2"} 28800',
  'analytics_ingest_lag_seconds_count{project="p2"} 4',
];

// A project with no events yet shows zeros, not gaps.
const P3_SAMPLES = [
  'analytics_total_users{project="p3"} 0',
  'analytics_active_users{project="p3"} 0',
  'analytics_conversations_total{project="p3"} 0',
  'analytics_messages_total{project="p3"} 0',
  'analytics_events_total{project="p3"} 0',
  'analytics_page_views_total{project="p3"} 0',
  'analytics_unique_visitors{project="p3"} 0',
  'analytics_avg_session_duration_seconds{project="p3"} 0',
  'analytics_bounce_rate_percentage{project="p3"} 0',
];

// The product families have a test of their own (product-metrics.test.ts).
const product = new Set<string>(PRODUCT_FAMILIES);
const samplesOf = (body: string) =>
  body
    .split('\n')
    .filter((l) => l && !l.startsWith('#') && !product.has(/^[a-z_]+/.exec(l)?.[0] ?? ''));
const family = (line: string) => /^[a-z_]+/.exec(line)?.[0] ?? '';

/** The samples, grouped per family in output order, as Prometheus would group them. */
const grouped = (lines: string[]) => {
  const order = [
    'analytics_total_users',
    'analytics_active_users',
    'analytics_conversations_total',
    'analytics_messages_total',
    'analytics_tokens_total',
    'analytics_events_total',
    'analytics_api_requests_total',
    'analytics_page_views_total',
    'analytics_unique_visitors',
    'analytics_avg_session_duration_seconds',
    'analytics_bounce_rate_percentage',
    'analytics_tracking_rejections_total',
    'analytics_api_response_time_seconds',
    'analytics_ingest_lag_seconds',
  ];
  const base = (l: string) => family(l).replace(/_(bucket|sum|count)$/, '');
  return order.flatMap((name) => lines.filter((l) => base(l) === name));
};

describe('GET /metrics', () => {
  it('shows every project, exactly, in Prometheus text format 0.0.4', async () => {
    const res = await scrape(`Bearer ${await token({ roles: ['admin'] })}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');

    const families = parseExposition(res.body);
    expect(Object.fromEntries([...families].map(([name, f]) => [name, f.type]))).toEqual({
      analytics_total_users: 'gauge',
      analytics_active_users: 'gauge',
      analytics_conversations_total: 'counter',
      analytics_messages_total: 'counter',
      analytics_tokens_total: 'counter',
      analytics_events_total: 'counter',
      analytics_page_views_total: 'counter',
      analytics_unique_visitors: 'gauge',
      analytics_avg_session_duration_seconds: 'gauge',
      analytics_bounce_rate_percentage: 'gauge',
      analytics_api_requests_total: 'counter',
      analytics_tracking_rejections_total: 'counter',
      analytics_api_response_time_seconds: 'histogram',
      analytics_ingest_lag_seconds: 'histogram',
      // The product families (test/lambdas/admin/product-metrics.test.ts).
      ...Object.fromEntries(PRODUCT_FAMILIES.map((name) => [name, 'gauge'])),
    });
    expect(samplesOf(res.body)).toEqual(grouped([...P1_SAMPLES, ...P2_SAMPLES, ...P3_SAMPLES]));
    // The escaped label reads back as the model's name.
    expect(families.get('analytics_tokens_total')?.samples.at(-1)?.labels.model).toBe(
      'odd "quoted" model',
    );
    // No default process metrics: every family is Tally's.
    expect(res.body).not.toMatch(/process_|nodejs_/);
  });

  it('narrows to one project with ?project=', async () => {
    const res = await scrape(`Bearer ${await token({ roles: ['metrics'] })}`, { project: 'p1' });
    expect(res.status).toBe(200);
    expect(samplesOf(res.body)).toEqual(grouped(P1_SAMPLES));
  });

  type Authorization = () => Promise<string | undefined>;
  const bearerOf =
    (claims: Record<string, unknown>, opts?: Parameters<typeof token>[1]): Authorization =>
    async () =>
      `Bearer ${await token(claims, opts)}`;
  it.each([
    ['no token', 401, async () => undefined],
    ['not a bearer token', 401, async () => 'Basic dXNlcjpwYXNz'],
    ['a bad signature', 401, bearerOf({ roles: ['admin'] }, { otherKey: true })],
    [
      'an expired token',
      401,
      bearerOf({ roles: ['metrics'] }, { exp: Math.floor(Date.now() / 1000) - 60 }),
    ],
    ['a viewer token', 403, bearerOf({ roles: ['viewer'] })],
    ['a token without roles', 403, bearerOf({})],
    ['a metrics-only token', 200, bearerOf({ roles: ['metrics'] })],
    ['an admin token', 200, bearerOf({ roles: ['admin'] })],
  ] as [string, number, Authorization][])('with %s: %i', async (_, status, authorization) => {
    const res = await scrape(await authorization());
    expect(res.status).toBe(status);
    if (status !== 200) expect(res.body).not.toContain('analytics_');
    if (status === 401) expect(res.headers['www-authenticate']).toBe('Bearer realm="tally"');
  });

  it('shows a project-limited token only its projects', async () => {
    const limited = `Bearer ${await token({ roles: ['metrics'], projects: ['p2'] })}`;
    const res = await scrape(limited);
    expect(res.status).toBe(200);
    expect(samplesOf(res.body)).toEqual(grouped(P2_SAMPLES));
    expect(res.body).not.toContain('project="p1"');
    expect((await scrape(limited, { project: 'p1' })).status).toBe(403);
    expect(samplesOf((await scrape(limited, { project: 'p2' })).body)).toEqual(grouped(P2_SAMPLES));
  });

  it('answers 404 for an unknown project and 400 for a malformed one', async () => {
    const admin = `Bearer ${await token({ roles: ['admin'] })}`;
    expect((await scrape(admin, { project: 'nope' })).status).toBe(404);
    expect((await scrape(admin, { project: 'bad name!' })).status).toBe(400);
  });
});
