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

/** A seed field: the Tally field it is, or a Tally duration in ms that the seed gave in seconds. */
export type SeedField = string | { readonly from: string; readonly seconds: true };

/**
 * Seed field names added beside Tally's in a row's answer: at `at` (a top-level field of the
 * answer, an object or an array of objects; absent: the answer itself), each seed name gets the
 * value of the Tally field it maps to. Names only: no value is computed but a unit.
 */
export interface FieldMap {
  readonly at?: string;
  readonly fields: Readonly<Record<string, SeedField>>;
}

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
  /** The seed's own field names in the answer, where a seed document shows them. */
  readonly fields?: readonly FieldMap[];
  readonly summary: string;
}

const dates = {
  startDate: { to: 'from', value: 'day' },
  endDate: { to: 'to', value: 'day' },
} as const;
const timeRange = { time_range: { to: 'range' } } as const;
const tenant = { tenant_id: { to: 'project' } } as const;

const seconds = (from: string) => ({ from, seconds: true }) as const;

/** 001's `daily_stats` table (the chat platform's; durations in seconds). */
const CHAT_DAILY: FieldMap = {
  at: 'days',
  fields: {
    total_users: 'totalUsers',
    active_users: 'activeUsers',
    new_users: 'newUsers',
    total_conversations: 'totalConversations',
    total_messages: 'totalMessages',
    total_api_calls: 'totalApiCalls',
    avg_response_time: seconds('avgResponseTimeMs'),
    error_count: 'errorCount',
  },
};

/** 001's `conversation_metrics` table. */
const CHAT_CONVERSATIONS: FieldMap = {
  at: 'conversations',
  fields: {
    conversation_id: 'conversationId',
    user_id: 'userId',
    message_count: 'messages',
    total_tokens: 'tokens',
    avg_response_time: seconds('avgResponseTimeMs'),
    created_at: 'startedAt',
    updated_at: 'lastActivityAt',
  },
};

/** 002's `daily_metrics` table (the agent platform's; durations in ms, as it tracks them). */
const AGENT_DAILY: FieldMap = {
  at: 'days',
  fields: {
    total_messages: 'totalMessages',
    total_conversations: 'totalConversations',
    total_tokens: 'totalTokens',
    unique_users: 'activeUsers',
    avg_response_time: 'avgResponseTimeMs',
  },
};

/** 002's `agent_metrics` table, at each place of an answer that holds an agent's figures. */
const agentMetrics = (at: string, id = true): FieldMap => ({
  at,
  fields: {
    ...(id ? { agent_id: 'id' } : { date: 'day' }),
    conversation_count: 'conversations',
    message_count: 'messages',
    avg_response_time: 'avgResponseTimeMs',
    total_tokens: 'tokens',
    error_count: 'errors',
    satisfaction_score: 'satisfaction',
  },
});

/** `/api/analytics/<name>` of the chat platform's release notes (000). */
const chat000 = (name: string, target: string, fields?: FieldMap): CompatRoute => ({
  seed: '000',
  method: 'GET',
  path: `/api/analytics/${name}`,
  target: `GET /api/v1/analytics/${target}`,
  ...(fields ? { fields: [fields] } : {}),
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
  chat000('conversations', 'conversations', CHAT_CONVERSATIONS),
  chat000('messages', 'messages'),
  chat000('tokens', 'tokens'),
  chat000('api-usage', 'api-usage'),
  chat000('daily-stats', 'daily-stats', CHAT_DAILY),

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
    fields: [agentMetrics('resource'), agentMetrics('series', false)],
    summary: "Seed 002's agent analytics (Tally's resources/agent/{id})",
  },
  {
    seed: '002',
    method: 'GET',
    path: '/api/v1/analytics/top-agents',
    target: 'GET /api/v1/analytics/resources/top',
    fixed: { type: 'agent' },
    query: dates,
    fields: [agentMetrics('resources')],
    summary: "Seed 002's top agents (Tally's resources/top?type=agent)",
  },
  {
    seed: '002',
    method: 'GET',
    path: '/api/v1/analytics/usage',
    target: 'GET /api/v1/analytics/daily-stats',
    query: dates,
    fields: [AGENT_DAILY],
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
