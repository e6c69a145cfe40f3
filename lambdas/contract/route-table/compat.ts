/**
 * The compatibility table: every endpoint the seed services' callers use (../shared/seeds/),
 * at the seed's own path, mapped onto Tally's own route. A row copies no report logic: the
 * request is rewritten (path, path parameters, query names and values) and handed to the
 * target route's logic, so the answer is the target's. A row whose target is not in the route
 * table yet answers 501 naming it. The rows flow into the route table (API Gateway, CloudFront,
 * the local twin) and the OpenAPI document like every route; docs/migrating.md explains them.
 */
import type { HttpMethod } from '../route-def.ts';

/** Which seed document a route comes from. */
export type Seed = '000' | '001' | '002' | '003' | '004';

/** A seed query value as Tally's: `period=week` → `range=7d`, a date-time → its day. */
export type ValueMap = 'day' | 'period';

export interface CompatRoute {
  readonly seed: Seed;
  readonly method: HttpMethod;
  /** The seed's path, in API Gateway syntax. */
  readonly path: string;
  /** Tally's route key, e.g. `GET /api/v1/analytics/resources/{type}/{id}`. */
  readonly target: string;
  /** Seed query names → Tally's, with how values convert. */
  readonly query?: Readonly<Record<string, { to: string; value?: ValueMap }>>;
  /** Query parameters the target gets whatever the request says (a fixed report or type). */
  readonly fixed?: Readonly<Record<string, string>>;
  /** Target path parameters: a fixed value, or `{name}` for one of the seed path's. */
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly summary: string;
}

const dates = {
  startDate: { to: 'from', value: 'day' },
  endDate: { to: 'to', value: 'day' },
} as const;
const timeRange = { time_range: { to: 'range' } } as const;
const tenant = { tenant_id: { to: 'project' } } as const;

/** `/api/analytics/<name>` of the chat platform's release notes (000). */
const chat000 = (name: string, target: string): CompatRoute => ({
  seed: '000',
  method: 'GET',
  path: `/api/analytics/${name}`,
  target: `GET /api/v1/analytics/${target}`,
  summary: `Seed 000's ${name} (Tally's ${target})`,
});

/** `POST /api/v1/analytics/track/<kind>-public` of the chat platform's guide (001). */
const public001 = (kind: string): CompatRoute => ({
  seed: '001',
  method: 'POST',
  path: `/api/v1/analytics/track/${kind}-public`,
  target: `POST /v1/track/${kind}`,
  summary: `Seed 001's ${kind} tracking, with a write key (Tally's /v1/track/${kind})`,
});

/** `/api/v1/<name>` of the dashboard aggregator (004). */
const dashboard004 = (
  method: HttpMethod,
  name: string,
  target: string,
  extra: Partial<CompatRoute> = {},
): CompatRoute => ({
  seed: '004',
  method,
  path: `/api/v1/${name}`,
  target: `${method} /api/v1/analytics/${target}`,
  query: timeRange,
  summary: `Seed 004's ${name.replace(/\/\{.*$/, '')} (Tally's ${target.replace(/\/\{.*$/, '')})`,
  ...extra,
});

/**
 * Seed routes at paths Tally does not have. Those at Tally's own paths (001's summary, users,
 * conversations, api-usage and daily-stats; 002's overview, events and event-counts; 003's
 * dashboard) are Tally's routes, which take the seeds' parameters (see SEED_QUERY).
 */
export const COMPAT_ROUTES: readonly CompatRoute[] = [
  chat000('overview', 'overview'),
  chat000('users', 'users/top'),
  chat000('conversations', 'conversations'),
  chat000('messages', 'messages'),
  chat000('tokens', 'tokens'),
  chat000('api-usage', 'api-usage'),
  chat000('daily-stats', 'daily-stats'),

  public001('activity'),
  public001('api-usage'),
  public001('conversation'),
  public001('message'),

  {
    seed: '002',
    method: 'POST',
    path: '/api/v1/analytics/track',
    target: 'POST /v1/events',
    summary: "Seed 002's event tracking: eventType, resourceType, resourceId (Tally's /v1/events)",
  },
  {
    seed: '002',
    method: 'GET',
    path: '/api/v1/analytics/agents/{agentId}',
    target: 'GET /api/v1/analytics/resources/{type}/{id}',
    pathParameters: { type: 'agent', id: '{agentId}' },
    query: dates,
    summary: "Seed 002's agent analytics (Tally's resources/agent/{id})",
  },
  {
    seed: '002',
    method: 'GET',
    path: '/api/v1/analytics/top-agents',
    target: 'GET /api/v1/analytics/resources/top',
    fixed: { type: 'agent' },
    query: dates,
    summary: "Seed 002's top agents (Tally's resources/top?type=agent)",
  },
  {
    seed: '002',
    method: 'GET',
    path: '/api/v1/analytics/usage',
    target: 'GET /api/v1/analytics/daily-stats',
    query: dates,
    summary: "Seed 002's usage trends (Tally's daily-stats)",
  },

  {
    seed: '003',
    method: 'POST',
    path: '/api/v1/analytics/events',
    target: 'POST /v1/events',
    summary: "Seed 003's event (Tally's /v1/events); tenant_id must name the key's project",
  },
  {
    seed: '003',
    method: 'POST',
    path: '/api/v1/analytics/events/bulk',
    target: 'POST /v1/events/bulk',
    summary: "Seed 003's bulk events (Tally's /v1/events/bulk); tenant_id as for one event",
  },
  {
    seed: '003',
    method: 'POST',
    path: '/api/v1/analytics/messages/analytics',
    target: 'POST /v1/track/message',
    summary: "Seed 003's message analytics (Tally's /v1/track/message)",
  },
  {
    seed: '003',
    method: 'GET',
    path: '/api/v1/analytics/conversations/{id}/analytics',
    target: 'GET /api/v1/analytics/conversations/{id}',
    pathParameters: { id: '{id}' },
    query: tenant,
    summary: "Seed 003's conversation analytics (Tally's conversations/{id})",
  },
  {
    seed: '003',
    method: 'GET',
    path: '/api/v1/analytics/channels/{id}/analytics',
    target: 'GET /api/v1/analytics/resources/{type}/{id}',
    pathParameters: { type: 'channel', id: '{id}' },
    query: tenant,
    summary: "Seed 003's channel analytics (Tally's resources/channel/{id})",
  },

  dashboard004('GET', 'dashboard', 'dashboard'),
  dashboard004('GET', 'usage-trends', 'usage-trends'),
  dashboard004('GET', 'feature-adoption', 'feature-adoption'),
  dashboard004('GET', 'experiment-results', 'experiment-results'),
  dashboard004('GET', 'user-segments', 'user-segments'),
  dashboard004('GET', 'funnel/{name}', 'funnels/{name}', { pathParameters: { name: '{name}' } }),
  dashboard004('POST', 'metrics/refresh', 'metrics/refresh', { query: {} }),
  dashboard004('GET', 'export/{format}', 'export/{format}', {
    pathParameters: { format: '{format}' },
    fixed: { report: 'daily-stats' },
  }),
];

/**
 * Seed query names every admin route takes, beside Tally's: 002's `startDate`/`endDate`, 003's
 * `tenant_id`, 004's `time_range` and 003's `period`. Tally's own name wins when both are sent.
 */
export const SEED_QUERY: Readonly<Record<string, { to: string; value?: ValueMap }>> = {
  ...dates,
  ...tenant,
  ...timeRange,
  period: { to: 'range', value: 'period' },
};
