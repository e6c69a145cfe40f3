/** Message insights: sentiment and intent. */
import type { RouteDef } from '../route-def.ts';

export const INSIGHTS_ROUTES: readonly RouteDef[] = [
  {
    method: 'GET',
    path: '/api/v1/analytics/messages/insights',
    fn: 'admin',
    auth: 'admin',
    summary:
      'Sentiment and intent of each chat message (paged, newest first), summed per conversation, per channel and in total',
  },
];
