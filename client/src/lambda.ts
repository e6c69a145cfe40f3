/**
 * AWS Lambda freezes the process when the handler returns: whatever is still queued then waits
 * for the next invocation, or is lost with the environment. `withTally` flushes before returning.
 */

/** What the Lambda helpers need of a client. */
export interface Flushable {
  flush(options?: { timeoutMs?: number }): Promise<boolean>;
}

export interface LambdaFlushOptions {
  /**
   * Longest wait for Tally before returning anyway (what is left stays queued for the next
   * invocation); never more than the invocation's remaining time minus 500 ms. @default 2000
   */
  flushTimeoutMs?: number;
}

interface ContextLike {
  getRemainingTimeInMillis?: () => number;
}

/** How long a flush may take in this invocation. */
export function flushBudget(context: unknown, flushTimeoutMs = 2000): number {
  const remaining = (context as ContextLike | undefined)?.getRemainingTimeInMillis?.();
  return typeof remaining === 'number'
    ? Math.max(0, Math.min(flushTimeoutMs, remaining - 500))
    : flushTimeoutMs;
}

/** Flushes within the budget; never throws. */
export async function flushQuietly(tally: Flushable, timeoutMs: number): Promise<void> {
  try {
    await tally.flush({ timeoutMs });
  } catch {
    // Tracking never fails the invocation.
  }
}

/** Wraps a Lambda handler so that every invocation flushes the client before it returns. */
export function withTally<E, C, R>(
  tally: Flushable,
  handler: (event: E, context: C) => Promise<R> | R,
  options: LambdaFlushOptions = {},
): (event: E, context: C) => Promise<R> {
  return async (event, context) => {
    try {
      return await handler(event, context);
    } finally {
      await flushQuietly(tally, flushBudget(context, options.flushTimeoutMs));
    }
  };
}
