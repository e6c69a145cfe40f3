/**
 * Typed errors thrown by logic. One layer (`http/error-handler.ts`) maps them to HTTP; nothing branches on
 * messages, only on `code` or the class.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unavailable'
  | 'not_implemented'
  | 'conflict'
  | 'rate_limited';

/** Base class: a stable `code`, the HTTP status it maps to, and optional public details. */
export class TallyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    status: number,
    message: string,
    options: {
      details?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** The request (or an item of it) does not match what the endpoint accepts. */
export class ValidationError extends TallyError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('validation_failed', 400, message, { details });
  }
}

/** Missing or unusable credentials. The message is deliberately generic; detail goes in `cause`. */
export class UnauthorizedError extends TallyError {
  constructor(cause?: unknown, message = 'Missing or invalid credentials') {
    super('unauthorized', 401, message, {
      cause,
      headers: { 'www-authenticate': 'Bearer realm="tally"' },
    });
  }
}

/** Valid credentials that do not cover what was asked for. */
export class ForbiddenError extends TallyError {
  constructor(message = 'Not allowed') {
    super('forbidden', 403, message);
  }
}

export class NotFoundError extends TallyError {
  constructor(message = 'Not found') {
    super('not_found', 404, message);
  }
}

/** The path exists, but not with this method; `Allow` lists the methods it has. */
export class MethodNotAllowedError extends TallyError {
  constructor(method: string, path: string, allow: readonly string[]) {
    super(
      'method_not_allowed',
      405,
      `${method} is not a method of ${path}; use ${allow.join(', ')}`,
      {
        details: { allow },
        headers: { allow: allow.join(', ') },
      },
    );
  }
}

/** A route that exists for a client's sake, whose answer needs a part Tally does not have yet. */
export class NotImplementedError extends TallyError {
  constructor(message: string, missing: readonly string[]) {
    super('not_implemented', 501, message, { details: { missing } });
  }
}

export class ConflictError extends TallyError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

export class PayloadTooLargeError extends TallyError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('payload_too_large', 413, message, { details });
  }
}

export class UnsupportedMediaTypeError extends TallyError {
  constructor(message = 'Send JSON with content-type application/json') {
    super('unsupported_media_type', 415, message);
  }
}

/** A dependency refused the work; the caller should retry after `retryAfterSeconds`. */
export class UnavailableError extends TallyError {
  constructor(
    message: string,
    retryAfterSeconds: number,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super('unavailable', 503, message, {
      ...options,
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

/** The caller sent more than its rate limit allows; it may retry after `retryAfterSeconds`. */
export class RateLimitedError extends TallyError {
  constructor(message: string, retryAfterSeconds: number, details: Record<string, unknown>) {
    super('rate_limited', 429, message, {
      details: { ...details, retryAfterSeconds },
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}
