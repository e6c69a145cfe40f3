/** JSON in and out of the API handlers: responses, and request bodies read within a limit. */
import { gunzipSync, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../model/errors.ts';

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

type Inflate = (buffer: Buffer, options: ZlibOptions) => Buffer;

/** `Content-Encoding`s a body may come in (RudderStack's Node SDK gzips by default). */
const DECODERS: Record<string, Inflate> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  // HTTP's deflate is zlib-wrapped; some clients send it raw.
  deflate: (buffer, options) => {
    try {
      return inflateSync(buffer, options);
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw error;
      return inflateRawSync(buffer, options);
    }
  },
};

const tooLarge = (what: string, bytes: number | string, maxBytes: number) =>
  new PayloadTooLargeError(`${what} is ${bytes} bytes; the limit is ${maxBytes}`);

/**
 * The request body's bytes, decompressed when `Content-Encoding` says gzip or deflate. The
 * decompressed size is bounded like a raw body: inflating stops at `maxBytes + 1` bytes, so a
 * small zip bomb costs no more memory than the largest body allowed, and answers 413.
 */
function bodyBytes(event: HttpEvent, maxBytes: number): Buffer {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  const encoding = (event.headers?.['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') {
    if (bytes.length > maxBytes) throw tooLarge('request body', bytes.length, maxBytes);
    return bytes;
  }
  const decode = DECODERS[encoding];
  if (!decode) {
    throw new UnsupportedMediaTypeError(
      `Content-Encoding ${encoding} is not supported; send gzip, deflate or an uncompressed body`,
    );
  }
  if (bytes.length > maxBytes) throw tooLarge('compressed request body', bytes.length, maxBytes);
  try {
    return decode(bytes, { maxOutputLength: maxBytes + 1 });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge('decompressed request body', `over ${maxBytes}`, maxBytes);
    }
    throw new ValidationError(`request body is not valid ${encoding}: ${(error as Error).message}`);
  }
}

/**
 * Reads a JSON request body within `maxBytes` (after decompression), whatever its content type
 * (Segment's clients and curl do not always say). Undefined when the body is empty and `optional`.
 */
export function readJson(event: HttpEvent, maxBytes: number, optional = false): unknown {
  const text = bodyBytes(event, maxBytes).toString('utf8');
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
