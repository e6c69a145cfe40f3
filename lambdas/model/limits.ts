/** Explicit limits (DESIGN.md "Event model"). Over a limit is a 4xx naming the item, never a silent drop. */
export const LIMITS = {
  /** Bytes of one event as sent (UTF-8 JSON). */
  eventBytes: 32 * 1024,
  /** Bytes of one request body. */
  requestBytes: 500 * 1024,
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
 * oversized string or key), as a message with the JSON path, or undefined when it is fine.
 */
export function structuralProblem(value: unknown, path = '$', depth = 0): string | undefined {
  if (typeof value === 'string') {
    return value.length > LIMITS.stringChars
      ? `${path}: string longer than ${LIMITS.stringChars} characters`
      : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= LIMITS.depth) return `${path}: nested deeper than ${LIMITS.depth} levels`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = structuralProblem(value[i], `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return `${path}: property name "${key}" is not allowed`;
    if (key.length > LIMITS.keyChars) {
      return `${path}: property name longer than ${LIMITS.keyChars} characters`;
    }
    const problem = structuralProblem(
      (value as Record<string, unknown>)[key],
      `${path}.${key}`,
      depth + 1,
    );
    if (problem) return problem;
  }
  return undefined;
}
