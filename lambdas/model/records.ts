/**
 * Records keyed by what clients send (event names, paths, labels): a key such as `constructor`,
 * `toString` or `__proto__` must be an entry like any other, never what `Object.prototype`
 * holds under that name. Every accumulator of such a record reads and writes through these.
 */

/** A record's own entry (never an inherited one such as `constructor`). */
export const own = <T>(r: Record<string, T> | undefined, k: string): T | undefined =>
  r && Object.hasOwn(r, k) ? r[k] : undefined;

/** Sets a record's own entry, whatever its name (`__proto__` included). */
export function setOwn<T>(r: Record<string, T>, k: string, value: T): void {
  Object.defineProperty(r, k, { value, enumerable: true, writable: true, configurable: true });
}
