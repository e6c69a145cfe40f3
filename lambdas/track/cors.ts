/**
 * CORS of the tracking routes as a middy middleware (the rule is in contract/cors.ts): a preflight
 * (`OPTIONS`, which API Gateway routes to the path's `ANY` route) is answered 204 before any
 * route runs, and every answer, errors included, names the caller's origin.
 */
import type middy from '@middy/core';
import { trackCorsHeaders } from '../contract/cors.ts';
import type { HttpEvent, HttpResult } from '../http/json.ts';

type Request = middy.Request<HttpEvent, HttpResult>;

export function trackCors(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  const addHeaders = (request: Request) => {
    const origin = request.event.headers?.origin;
    if (!request.response || !origin) return;
    request.response.headers = { ...request.response.headers, ...trackCorsHeaders(origin, false) };
  };
  return {
    before: (request) => {
      if (request.event.requestContext?.http?.method !== 'OPTIONS') return;
      return { statusCode: 204, headers: trackCorsHeaders(request.event.headers?.origin, true) };
    },
    after: addHeaders,
    onError: addHeaders,
  };
}
