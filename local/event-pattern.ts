/**
 * EventBridge event-pattern matching, for the local bus. Hand-written because no maintained npm
 * package implements it; it covers what patterns in this project use (exact values, nested
 * fields, `prefix`, `exists`, `anything-but`) and throws on anything else rather than guessing.
 */
export type Pattern = { readonly [field: string]: readonly unknown[] | Pattern };

export function matches(pattern: Pattern, event: unknown): boolean {
  for (const [field, rule] of Object.entries(pattern)) {
    const value =
      event !== null && typeof event === 'object'
        ? (event as Record<string, unknown>)[field]
        : undefined;
    if (Array.isArray(rule)) {
      if (!rule.some((r) => matchesValue(r, value))) return false;
    } else if (!matches(rule as Pattern, value)) {
      return false;
    }
  }
  return true;
}

function matchesValue(rule: unknown, value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  if (rule === null || typeof rule !== 'object') return values.some((v) => v === rule);
  const [op, arg] = Object.entries(rule)[0] ?? [];
  switch (op) {
    case 'prefix':
      return values.some((v) => typeof v === 'string' && v.startsWith(String(arg)));
    case 'exists':
      return arg ? value !== undefined : value === undefined;
    case 'anything-but': {
      const refused = Array.isArray(arg) ? arg : [arg];
      return value !== undefined && values.every((v) => !refused.includes(v));
    }
    default:
      throw new Error(`event pattern operator ${String(op)} is not supported by the local bus`);
  }
}
