/** JSON in and out of the API handlers: responses, and request bodies read within a limit. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PayloadTooLargeError, ValidationError } from '../model/errors.ts';

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
