/**
 * HTTP plumbing shared by the API handlers: JSON responses and the one place where typed errors
 * become HTTP responses.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PayloadTooLargeError, TallyError, ValidationError } from './errors.ts';
import type { Log } from './logger.ts';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** A JSON response. */
export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * Reads a JSON request body within `maxBytes`, whatever its content type (Segment's clients and
 * curl do not always say). Undefined when the body is empty and `optional`.
 */
export function readJson(event: HttpEvent, maxBytes: number, optional = false): unknown {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw new PayloadTooLargeError(`request body is ${bytes} bytes; the limit is ${maxBytes}`);
  }
  if (text.trim() === '') {
    if (optional) return undefined;
    throw new ValidationError('request body is empty; send a JSON object');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Shape of every error body. */
export interface ErrorBody {
  error: { code: string; message: string } & Record<string, unknown>;
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
    return json(
      error.status,
      { error: { code: error.code, message: error.message, ...error.details } },
      error.headers,
    );
  }
  if (isMiddyHttpError(error) && error.statusCode < 500 && error.expose !== false) {
    const code = MIDDY_CODES[error.statusCode] ?? 'bad_request';
    // 422 from middy's JSON parser is a malformed body: a 400 to our callers.
    const status = error.statusCode === 422 ? 400 : error.statusCode;
    return json(status, { error: { code, message: error.message } });
  }
  return json(500, { error: { code: 'internal', message: 'Internal error' } });
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
