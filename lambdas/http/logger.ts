/**
 * The structured logger: Powertools' Logger, JSON lines. `context()` is its Lambda context
 * injection (a middy middleware), so every line of an invocation carries the request id and the
 * function's name. Log identifiers and counts, never a token, a write key or a whole event (an
 * event carries both).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';

export interface Log {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** A function's logger. */
export interface FunctionLog extends Log {
  /**
   * The middleware that stamps each line of an invocation with its request id and the function
   * name; use it first, so the error handler's lines carry them too. Lines logged outside an
   * invocation (at cold start) carry neither.
   */
  context(): ReturnType<typeof injectLambdaContext>;
}

export function createLogger(serviceName: string): FunctionLog {
  const logger = new Logger({
    serviceName,
    logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
  });
  return {
    info: (m, extra) => logger.info(m, extra ?? {}),
    warn: (m, extra) => logger.warn(m, extra ?? {}),
    error: (m, extra) => logger.error(m, extra ?? {}),
    context: () => injectLambdaContext(logger),
  };
}
