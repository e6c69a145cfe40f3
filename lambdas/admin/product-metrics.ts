/**
 * The product families of `GET /metrics` (docs/operations.md "Product metrics"): feature
 * adoption, experiments, segments and funnels, from each project's snapshot — the reports'
 * answers over the last 30 days, at most 5 minutes old (reports/product/snapshot.ts).
 * All gauges: a figure over a sliding window goes down as well as up (the `_total` names are the
 * seed's). A figure the report answers null (a rate of nobody) has no sample.
 */
import { Gauge, type Registry } from 'prom-client';
import type { ProductSnapshot } from '../store/product-snapshot.ts';

/** One project's snapshot, if the rollup has made one. */
export interface ProjectProduct {
  projectId: string;
  product: ProductSnapshot | undefined;
}

/** Adds the product families to a scrape's registry. */
export function addProductFamilies(registry: Registry, projects: readonly ProjectProduct[]): void {
  const registers = [registry];
  const gauge = <L extends string>(name: string, help: string, labels: readonly L[]) =>
    new Gauge({ name, help, labelNames: ['project', ...labels], registers });
  const window = 'over the last 30 UTC days (as of analytics_product_snapshot_timestamp_seconds)';

  const at = gauge(
    'analytics_product_snapshot_timestamp_seconds',
    'When the product figures were computed (Unix time)',
    [],
  );
  const adoption = gauge(
    'analytics_feature_adoption_rate',
    `Feature users / active users ${window}, 0-1`,
    ['feature_name'],
  );
  const usage = gauge('analytics_feature_usage_total', `Uses of the feature ${window}`, [
    'feature_name',
  ]);
  const featureUsers = gauge(
    'analytics_feature_unique_users',
    `Distinct users of the feature ${window}`,
    ['feature_name'],
  );
  const active = gauge('analytics_active_experiments', 'Experiments running now', []);
  const conversions = gauge(
    'analytics_experiment_conversions',
    'Exposed users who converted, per variant of a running experiment with an event goal',
    ['experiment_id', 'variant'],
  );
  const conversionRate = gauge(
    'analytics_experiment_conversion_rate',
    'Conversions / exposures, 0-1, per variant of a running experiment with an event goal',
    ['experiment_id', 'variant'],
  );
  const significant = gauge(
    'analytics_significant_results_total',
    'Running experiments with a significant variant at their alpha',
    [],
  );
  const segmentSize = gauge('analytics_segment_size', `Users in the segment ${window}`, [
    'segment_name',
  ]);
  const engagement = gauge(
    'analytics_segment_engagement',
    `Mean engagement score (0-100) of the segment's users ${window}`,
    ['segment_name'],
  );
  const funnelRate = gauge(
    'analytics_funnel_conversion_rate',
    `Users who completed every step / users who entered step 1, 0-1, ${window}`,
    ['funnel_name'],
  );
  const stepRate = gauge(
    'analytics_funnel_step_completion_rate',
    `Completed / entered per step, 0-1, ${window}`,
    ['funnel_name', 'step', 'event'],
  );
  const dropOff = gauge(
    'analytics_funnel_drop_off_rate',
    `(Entered - completed) / entered per step, 0-1, ${window}`,
    ['funnel_name', 'step', 'event'],
  );

  const set = (g: Gauge, labels: Record<string, string>, value: number | null) => {
    if (value !== null) g.set(labels, value);
  };
  for (const { projectId: project, product: s } of projects) {
    if (!s) continue;
    at.set({ project }, Date.parse(s.at) / 1000);
    for (const f of s.features) {
      const labels = { project, feature_name: f.name };
      set(adoption, labels, f.adoptionRate);
      usage.set(labels, f.usage);
      featureUsers.set(labels, f.uniqueUsers);
    }
    active.set({ project }, s.experiments.length);
    significant.set({ project }, s.experiments.filter((e) => e.significant).length);
    for (const e of s.experiments) {
      for (const x of e.variants) {
        const labels = { project, experiment_id: e.id, variant: x.name };
        set(conversions, labels, x.conversions);
        // A metric goal has no conversions, so no rate either.
        if (x.conversions !== null) set(conversionRate, labels, x.rate);
      }
    }
    for (const g of s.segments) {
      const labels = { project, segment_name: g.name };
      segmentSize.set(labels, g.size);
      set(engagement, labels, g.engagement);
    }
    for (const f of s.funnels) {
      set(funnelRate, { project, funnel_name: f.name }, f.conversionRate);
      for (const step of f.steps) {
        const labels = { project, funnel_name: f.name, step: String(step.step), event: step.event };
        set(stepRate, labels, step.completionRate);
        set(dropOff, labels, step.dropOffRate);
      }
    }
  }
}
