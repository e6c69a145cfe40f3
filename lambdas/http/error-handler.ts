/**
 * The one place where typed errors become HTTP responses: a JSON body with a stable `code`, and
 * a generic 500 for anything else (its detail stays in the logs). The body carries `code` and
 * `message` at the top, where Segment's clients read them (analytics-python raises with
 * `payload['code']`), and the whole error, details included, under `error`.
 */
import type middy from '@middy/core';
import { TallyError } from '../model/errors.ts';
import { type HttpEvent, type HttpResult, json } from './json.ts';
import type { Log } from './logger.ts';

/** Shape of every error body. */
export interface ErrorBody {
  code: string;
  message: string;
  error: { code: string; message: string } & Record<string, unknown>;
}

/** An error response: `code` and `message` at the top and under `error`, details under `error`. */
export function errorBody(
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): ErrorBody {
  return { code, message, error: { code, message, ...details } };
}

interface MiddyHttpError {
  statusCode: number;
  expose?: boolean;
  message: string;
}

function isMiddyHttpError(e: unknown): e is MiddyHttpError {
  return (
    typeof e === 'object' && e !== null && typeof (e as MiddyHttpError).statusCode === 'number'
  );
}

const MIDDY_CODES: Record<number, string> = {
  400: 'validation_failed',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
};

/** Maps an error to its response. Unknown errors are a generic 500: their detail stays in the logs. */
export function errorResponse(error: unknown): HttpResult {
  if (error instanceof TallyError) {
    return json(error.status, errorBody(error.code, error.message, error.details), error.headers);
  }
  if (isMiddyHttpError(error) && error.statusCode < 500 && error.expose !== false) {
    const code = MIDDY_CODES[error.statusCode] ?? 'bad_request';
    // 422 from middy's JSON parser is a malformed body: a 400 to our callers.
    const status = error.statusCode === 422 ? 400 : error.statusCode;
    return json(status, errorBody(code, error.message));
  }
  return json(500, errorBody('internal', 'Internal error'));
}

/**
 * Middy middleware: typed errors become JSON responses; anything else is logged and becomes a
 * generic 500. Written here rather than using `@middy/http-error-handler` because that one answers
 * with the bare message, and our contract is a JSON body with a stable `code`.
 */
export function httpErrors(log: Log): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      const error = request.error;
      const response = errorResponse(error);
      if (response.statusCode === 500) {
        log.error('unhandled error', { error });
      }
      request.response = response;
    },
  };
}
