/**
 * Explicit limits (docs/architecture.md "Event model"). Over a limit is a 4xx naming the item,
 * never a silent drop.
 */
export const LIMITS = {
  /** Bytes of one event as sent (UTF-8 JSON). */
  eventBytes: 32 * 1024,
  /** Bytes of one request body. */
  requestBytes: 500 * 1024,
  /**
   * Bytes of a request's accepted events as stored, the batch `context` merged into each: a
   * small request cannot make thousands of large events (later ones are refused as too_large).
   */
  expandedBytes: 4 * 1024 * 1024,
  /** Events in one batch request. */
  batchItems: 2500,
  /** Nesting depth of objects and arrays inside one event. */
  depth: 10,
  /** Characters of any one string value. */
  stringChars: 8192,
  /** Characters of any one property name. */
  keyChars: 256,
} as const;

/** Property names refused anywhere in an event: they are how prototype pollution gets in. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Walks a parsed JSON value and returns the first structural problem (forbidden key, depth,
 * oversized string or key), as a message with the JSON path, or undefined when it is fine. It
 * walks with its own stack, never recursing, and stops at the depth limit, so a value nested
 * thousands deep is refused like any other, before anything serialises it.
 */
export function structuralProblem(value: unknown, root = '$'): string | undefined {
  // Children are pushed in reverse, so problems are found in document order.
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value, path: root, depth: 0 },
  ];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { path, depth } = next;
    const current = next.value;
    if (typeof current === 'string') {
      if (current.length > LIMITS.stringChars) {
        return `${path}: string longer than ${LIMITS.stringChars} characters`;
      }
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= LIMITS.depth) return `${path}: nested deeper than ${LIMITS.depth} levels`;
    const children: { value: unknown; path: string; depth: number }[] = [];
    if (Array.isArray(current)) {
      current.forEach((item, i) => {
        children.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 });
      });
    } else {
      for (const key of Object.keys(current)) {
        if (FORBIDDEN_KEYS.has(key)) return `${path}: property name "${key}" is not allowed`;
        if (key.length > LIMITS.keyChars) {
          return `${path}: property name longer than ${LIMITS.keyChars} characters`;
        }
        children.push({
          value: (current as Record<string, unknown>)[key],
          path: `${path}.${key}`,
          depth: depth + 1,
        });
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as (typeof children)[0]);
  }
  return undefined;
}

/** What one write key may send: requests and events per second, over fixed windows. */
export interface RateLimit {
  readonly requestsPerSecond: number;
  readonly eventsPerSecond: number;
}

/** Rate limits are counted over fixed windows this long: a burst of up to a window's budget passes. */
export const RATE_WINDOW_SECONDS = 10;

/**
 * Bounds of a rate limit (admin API and configuration). A window holds at least one full batch
 * (2,500 events), or a client sending full batches could never be accepted.
 */
export const RATE_LIMIT_BOUNDS = {
  requestsPerSecond: { min: 1, max: 100_000 },
  eventsPerSecond: { min: 250, max: 1_000_000 },
} as const;

/**
 * Bounds of a project's retention (days). The floor keeps a resend recognised for the 7 days the
 * dedupe contract promises, with a day to spare.
 */
export const RETENTION_BOUNDS = { min: 8, max: 3650 } as const;
