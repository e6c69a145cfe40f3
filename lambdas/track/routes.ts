/** The tracking function's routes, keyed as in the route table. */
import type { RouteLogic } from '../shared/router.ts';
import { type TrackDeps, trackingEndpoint } from './track.ts';

export function trackRoutes(deps: TrackDeps): Record<string, RouteLogic> {
  return {
    'GET /health': async () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'ok' }),
    }),
    'POST /v1/track': trackingEndpoint(deps, (body) => ({ items: [body], type: 'track' })),
  };
}
