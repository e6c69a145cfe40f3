/**
 * What a Lambda container remembers of the table for a bounded time (write keys, rate limits,
 * retention, the properties to keep): a change takes effect within `ttlMs`. Past 10,000 keys the
 * whole cache is forgotten at once, so a container serving many projects stays bounded.
 */
const MAX_KEYS = 10_000;

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value of `key`: remembered, or loaded now (and remembered, `undefined` included). */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > t) return hit.value;
    const value = await load();
    if (this.entries.size > MAX_KEYS) this.entries.clear();
    this.entries.set(key, { value, until: t + this.ttlMs });
    return value;
  }
}
