/** Runs route logic as the handlers do: a thrown error becomes its error response. */
import { errorResponse, type HttpEvent, type HttpResult } from '../../lambdas/shared/http.ts';
import type { RouteLogic } from '../../lambdas/shared/router.ts';

export function respond(logic: RouteLogic, event: HttpEvent): Promise<HttpResult> {
  return logic(event).catch(errorResponse);
}
