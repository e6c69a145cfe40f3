/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for the /metrics
 * tests: every line a HELP, a TYPE or a sample of the family declared last; counters named
 * `_total`; histogram buckets cumulative, ending at +Inf = `_count`. Written here because no
 * maintained parser of the format is a dependency.
 */
import { expect } from 'vitest';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\["\\\\n])*"';
const VALUE = '(?:NaN|[+-]Inf|-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(${LABEL}(?:,${LABEL})*)?\\})? (${VALUE})$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

export interface Family {
  type: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** Parses the exposition, throwing on the first line that breaks the format. */
export function parseExposition(text: string): Map<string, Family> {
  expect(text.endsWith('\n')).toBe(true);
  const families = new Map<string, Family>();
  let current: string | undefined;
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const where = `line ${i + 1}: ${line}`;
    const help = HELP.exec(line);
    const type = TYPE.exec(line);
    const sample = SAMPLE.exec(line);
    if (help) continue;
    if (type) {
      const name = type[1] as string;
      if (families.has(name)) throw new Error(`${where}: family declared twice`);
      families.set(name, { type: type[2] as string, samples: [] });
      current = name;
      continue;
    }
    if (!sample) throw new Error(`${where}: not a valid line`);
    const [, name = '', labelText = ''] = sample;
    const f = current ? families.get(current) : undefined;
    const suffix = f?.type === 'histogram' ? /^(.*)_(bucket|sum|count)$/.exec(name)?.[1] : name;
    if (!f || suffix !== current) throw new Error(`${where}: sample outside its family`);
    const labels: Record<string, string> = {};
    for (const m of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      if ((m[1] as string) in labels) throw new Error(`${where}: label repeated`);
      labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    f.samples.push({ name, labels, value: Number(sample[3]) });
  }
  for (const [name, f] of families) {
    if (f.type === 'counter' && !name.endsWith('_total')) throw new Error(`${name}: counter name`);
    if (f.type === 'histogram') checkHistogram(name, f);
  }
  return families;
}

const bound = (le: string | undefined) => (le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le));

/** Buckets cumulative and ending at +Inf = _count, for every series. */
function checkHistogram(name: string, f: Family) {
  const series = new Map<string, Family['samples']>();
  for (const s of f.samples) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(rest);
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const samples of series.values()) {
    const buckets = samples.filter((s) => s.name === `${name}_bucket`);
    const count = samples.find((s) => s.name === `${name}_count`)?.value;
    expect(samples.some((s) => s.name === `${name}_sum`)).toBe(true);
    expect(buckets.at(-1)?.labels.le).toBe('+Inf');
    expect(buckets.at(-1)?.value).toBe(count);
    for (let i = 1; i < buckets.length; i++) {
      expect(bound(buckets[i]?.labels.le)).toBeGreaterThan(bound(buckets[i - 1]?.labels.le));
      expect(buckets[i]?.value).toBeGreaterThanOrEqual(buckets[i - 1]?.value as number);
    }
  }
}

/** The product families of /metrics (lambdas/admin/product-metrics.ts), in output order. */
export const PRODUCT_FAMILIES = [
  'analytics_product_snapshot_timestamp_seconds',
  'analytics_feature_adoption_rate',
  'analytics_feature_usage_total',
  'analytics_feature_unique_users',
  'analytics_active_experiments',
  'analytics_experiment_conversions',
  'analytics_experiment_conversion_rate',
  'analytics_significant_results_total',
  'analytics_segment_size',
  'analytics_segment_engagement',
  'analytics_funnel_conversion_rate',
  'analytics_funnel_step_completion_rate',
  'analytics_funnel_drop_off_rate',
] as const;
