/**
 * All-time API call counters for the Prometheus endpoint: by endpoint, method and status, and a
 * cumulative duration histogram, in one item per project (`keys.apiTotals`), added to by ingest.
 * Attribute names: `n|METHOD path|status`, `b|METHOD path|le` (calls at most `le` seconds),
 * `s|METHOD path` (sum of durations, seconds), `c|METHOD path` (calls with a duration).
 */
import { apiKey } from './aggregate.ts';
import type { Fact } from './facts.ts';
import type { Counters } from './metrics.ts';

/** Prometheus histogram bounds, seconds (its client library's defaults). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export function apiTotalsOf(f: Fact): Counters {
  const key = apiKey(f.me, f.ep);
  const out: Counters = { [`n|${key}|${f.sc ?? 'unknown'}`]: 1 };
  if (f.dur !== undefined) {
    const seconds = f.dur / 1000;
    out[`s|${key}`] = seconds;
    out[`c|${key}`] = 1;
    for (const le of LATENCY_BUCKETS) if (seconds <= le) out[`b|${key}|${le}`] = 1;
  }
  return out;
}

export interface ApiTotal {
  method: string;
  endpoint: string;
  byStatus: Record<string, number>;
  /** cumulative counts per bound; `+Inf` is `count` */
  buckets: Record<string, number>;
  sumSeconds: number;
  count: number;
}

/** Reads the attribute map back into one record per endpoint. */
export function parseApiTotals(item: Record<string, unknown>): ApiTotal[] {
  const out = new Map<string, ApiTotal>();
  const get = (key: string) => {
    let t = out.get(key);
    if (!t) {
      const space = key.indexOf(' ');
      t = {
        method: key.slice(0, space),
        endpoint: key.slice(space + 1),
        byStatus: {},
        buckets: {},
        sumSeconds: 0,
        count: 0,
      };
      out.set(key, t);
    }
    return t;
  };
  for (const [name, value] of Object.entries(item)) {
    if (typeof value !== 'number') continue;
    const [kind, key, extra] = name.split('|');
    if (!key) continue;
    if (kind === 'n' && extra !== undefined) get(key).byStatus[extra] = value;
    else if (kind === 'b' && extra !== undefined) get(key).buckets[extra] = value;
    else if (kind === 's') get(key).sumSeconds = value;
    else if (kind === 'c') get(key).count = value;
  }
  return [...out.values()];
}
