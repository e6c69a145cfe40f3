/** Admin API routes that are not reports: projects, write keys, the rollup, service endpoints. */
import type { RouteDef } from '../route-def.ts';

export const ADMIN_ROUTES: readonly RouteDef[] = [
  {
    method: 'GET',
    path: '/api/v1/analytics/summary',
    fn: 'admin',
    auth: 'admin',
    summary: 'Headline figures: events, users, conversations, messages, tokens, response time',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/projects',
    fn: 'admin',
    auth: 'admin',
    summary: 'Projects the token may read',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/write-keys',
    fn: 'admin',
    auth: 'admin',
    summary: "A project's write keys (prefixes only, never secrets)",
  },
  {
    method: 'POST',
    path: '/api/v1/analytics/write-keys',
    fn: 'admin',
    auth: 'admin',
    summary: 'Create a write key; the secret is in this response only',
  },
  {
    method: 'DELETE',
    path: '/api/v1/analytics/write-keys/{keyId}',
    fn: 'admin',
    auth: 'admin',
    summary: 'Revoke a write key (effective within a minute)',
  },
  {
    method: 'PUT',
    path: '/api/v1/analytics/write-keys/{keyId}/rate-limit',
    fn: 'admin',
    auth: 'admin',
    summary:
      "Set a write key's own rate limit (requests and events per second), or clear it with null",
  },
  {
    method: 'DELETE',
    path: '/api/v1/analytics/user-data/{userId}',
    fn: 'admin',
    auth: 'admin',
    summary:
      "Delete a user's raw events, facts, markers and profile and recompute every figure they were in (202: runs within minutes)",
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/user-deletions',
    fn: 'admin',
    auth: 'admin',
    summary:
      'The audit log of user deletions: who asked, when, a hash of the user id, items deleted',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/rejections',
    fn: 'admin',
    auth: 'admin',
    summary:
      'Items tracking requests rejected: distinct items by reason and write key over a range, and the newest samples',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/settings',
    fn: 'admin',
    auth: 'admin',
    summary: "A project's settings: retention of raw events and facts, its keys' rate limit",
  },
  {
    method: 'PUT',
    path: '/api/v1/analytics/settings',
    fn: 'admin',
    auth: 'admin',
    summary:
      'Set retentionDays (8-3650) or the default rate limit of the project’s keys; null restores the default',
  },
  {
    method: 'POST',
    path: '/api/v1/analytics/metrics/refresh',
    fn: 'admin',
    auth: 'admin',
    summary:
      'Run the rollup for the project now (default: yesterday and today; or from/to) and answer when done',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/export/{format}',
    fn: 'admin',
    auth: 'admin',
    summary:
      'Any report as a download: format json or csv, report=<report path> plus that report’s own parameters',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/dashboard',
    fn: 'admin',
    auth: 'admin',
    summary: "Everything the dashboard's first screen shows, in one response",
  },
  {
    method: 'GET',
    path: '/metrics',
    fn: 'admin',
    auth: 'admin',
    summary:
      "Prometheus text format: each project's all-time figures (admin or metrics-only token)",
  },
  {
    method: 'GET',
    path: '/openapi.json',
    fn: 'admin',
    auth: 'public',
    summary: 'This API, described in OpenAPI 3.0 (browse it at /docs.html)',
  },
];
