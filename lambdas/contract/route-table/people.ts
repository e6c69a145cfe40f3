/** People and things: users, activities, raw events, conversations, resources. */
import type { RouteDef } from '../route-def.ts';

export const PEOPLE_ROUTES: readonly RouteDef[] = [
  {
    method: 'GET',
    path: '/api/v1/analytics/users/activities',
    fn: 'admin',
    auth: 'admin',
    summary: 'Recent activity, newest first, optionally of one user (paged by cursor)',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/users/top',
    fn: 'admin',
    auth: 'admin',
    summary: 'Most active users of the range: events, messages, tokens, first and last seen',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/users/list',
    fn: 'admin',
    auth: 'admin',
    summary: 'Users by userId: all known ones, or those active in the range with their stats',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/events',
    fn: 'admin',
    auth: 'admin',
    summary:
      'Raw events with their properties and context, newest first, filtered by type, name or user',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/conversations',
    fn: 'admin',
    auth: 'admin',
    summary: 'Conversations active in the range, newest activity first, by user and status',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/conversations/{id}',
    fn: 'admin',
    auth: 'admin',
    summary: "One conversation's figures over the range, with a per-day breakdown",
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/resources/top',
    fn: 'admin',
    auth: 'admin',
    summary: 'Agents, channels, workflows and other resources ranked by messages, then events',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/resources/{type}/{id}',
    fn: 'admin',
    auth: 'admin',
    summary: "One resource's figures over the range, with a per-day series",
  },
];
