/** Runs route logic as the handlers do: a thrown error becomes its error response. */

import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { errorResponse } from '../../lambdas/http/error-handler.ts';
import type { HttpEvent, HttpResult } from '../../lambdas/http/json.ts';
import { type RouteLogic, routerFor } from '../../lambdas/http/router.ts';
import { trackRoutes } from '../../lambdas/track/routes.ts';
import { silentLog } from './events.ts';

export function respond(logic: RouteLogic, event: HttpEvent): Promise<HttpResult> {
  return logic(event).catch(errorResponse);
}

/** The track routes as the tests drive them: project p1 for write key tk_good, a fixed clock. */
export function trackTestRouter(eventBridge: EventBridgeClient) {
  return routerFor(
    'track',
    trackRoutes({
      auth: { resolveWriteKey: async (secret) => (secret === 'tk_good' ? 'p1' : undefined) },
      privacy: { ipMode: 'truncate', botMode: 'flag' },
      eventBridge,
      busName: 'bus',
      now: () => Date.parse('2026-11-22T12:00:00Z'),
      log: silentLog,
      publishBaseDelayMs: 0,
    }),
  );
}
