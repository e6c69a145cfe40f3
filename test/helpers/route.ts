/** Runs route logic as the handlers do: a thrown error becomes its error response. */

import { errorResponse } from '../../lambdas/http/error-handler.ts';
import type { HttpEvent, HttpResult } from '../../lambdas/http/json.ts';
import type { RouteLogic } from '../../lambdas/http/router.ts';

export function respond(logic: RouteLogic, event: HttpEvent): Promise<HttpResult> {
  return logic(event).catch(errorResponse);
}
