/** Usage reports: overview, daily stats, event counts, messages, tokens, API usage. */
import type { RouteDef } from '../route-def.ts';

const usage = (path: string, summary: string): RouteDef => ({
  method: 'GET',
  path: `/api/v1/analytics/${path}`,
  fn: 'admin',
  auth: 'admin',
  summary,
});

/** The usage reports' routes: admin GETs, one per report in lambdas/admin/reports/usage/. */
export const USAGE_ROUTES: readonly RouteDef[] = [
  usage('overview', 'Headline figures of a range, with the previous period and the change'),
  usage(
    'daily-stats',
    'One row per day: users (total, active, new), messages, tokens, API calls, response times, errors',
  ),
  usage('event-counts', 'Events of a range by Segment type and by event name'),
  usage(
    'messages',
    'Messages per day, week or month; peak hours; response times; by role and model',
  ),
  usage('tokens', 'Tokens by model, user and conversation; cost; month-end forecast'),
  usage('api-usage', 'API calls by endpoint and method: errors, latency percentiles, status codes'),
];
