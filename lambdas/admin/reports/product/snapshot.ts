/**
 * The product figures `GET /metrics` shows (docs/operations.md "Product metrics"): computed by the
 * reports themselves — feature adoption, the running experiments' results, user segments and
 * every funnel — over the last 30 days, and kept as one snapshot item per project. A scrape that
 * finds the snapshot older than SNAPSHOT_MAX_AGE_MS (or none) recomputes and stores it; every
 * other scrape reads the item, so scraping costs one small read, not the reports' days × users.
 * `POST …/metrics/refresh` recomputes it too, after its rollup.
 */
import type { AfterFold } from '../../../rebuild/jobs.ts';
import { readExperiments, statusOf } from '../../../store/experiments.ts';
import { readFunnels } from '../../../store/funnels.ts';
import {
  type ProductSnapshot,
  readSnapshot,
  writeSnapshot,
} from '../../../store/product-snapshot.ts';
import type { RangeName } from '../../range.ts';
import type { ReportDeps } from '../../read.ts';
import { experimentResults } from './experiments.ts';
import { DEFAULT_TREND_THRESHOLD, featureAdoption } from './feature-adoption.ts';
import { funnelResults } from './funnels.ts';
import { segmentMembers, summarize } from './segments.ts';

/** How old a snapshot a scrape shows before it recomputes it: 5 minutes (the seed's refresh). */
export const SNAPSHOT_MAX_AGE_MS = 5 * 60_000;

/** The window of every product figure in /metrics: the last 30 UTC days, today included. */
export const SNAPSHOT_RANGE: RangeName = '30d';

/** The reports' answers for the project, as /metrics needs them. */
export async function productSnapshot(
  deps: ReportDeps,
  projectId: string,
): Promise<ProductSnapshot> {
  const query = { range: SNAPSHOT_RANGE };
  const now = deps.now();
  const [adoption, segments, experiments, funnels] = await Promise.all([
    featureAdoption(deps, projectId, {
      ...query,
      granularity: 'day',
      trendThreshold: DEFAULT_TREND_THRESHOLD,
    }),
    segmentMembers(deps, projectId, query),
    readExperiments(deps.ddb, deps.tableName, projectId),
    readFunnels(deps.ddb, deps.tableName, projectId),
  ]);
  const running = experiments.filter((e) => statusOf(e, now) === 'running');
  // One report at a time: each already reads its days concurrently.
  const results = [];
  for (const e of running) results.push(await experimentResults(deps, projectId, e));
  const funnelAnswers = [];
  for (const f of funnels) funnelAnswers.push(await funnelResults(deps, projectId, f, query));
  return {
    at: new Date(now).toISOString(),
    from: adoption.range.from,
    to: adoption.range.to,
    features: adoption.features.map((f) => ({
      name: f.name,
      usage: f.usage,
      uniqueUsers: f.uniqueUsers,
      adoptionRate: f.adoptionRate,
    })),
    experiments: results.map((r) => ({
      id: r.id,
      significant: r.significant,
      variants: r.variants.map((x) => ({ name: x.name, conversions: x.conversions, rate: x.rate })),
    })),
    segments: summarize(segments.members).map((s) => ({
      name: s.name,
      size: s.size,
      engagement: s.engagement,
    })),
    funnels: funnelAnswers.map((f) => ({
      name: f.name,
      conversionRate: f.conversionRate,
      steps: f.steps.map((s) => ({
        step: s.step,
        event: s.event,
        completionRate: s.completionRate,
        dropOffRate: s.dropOffRate,
      })),
    })),
  };
}

async function refresh(deps: ReportDeps, projectId: string): Promise<ProductSnapshot> {
  const snapshot = await productSnapshot(deps, projectId);
  await writeSnapshot(deps.ddb, deps.tableName, projectId, snapshot);
  return snapshot;
}

/** The snapshot a scrape shows: the stored one, recomputed first when missing or stale. */
export async function currentSnapshot(
  deps: ReportDeps,
  projectId: string,
): Promise<ProductSnapshot> {
  const stored = await readSnapshot(deps.ddb, deps.tableName, projectId);
  const fresh = stored && deps.now() - Date.parse(stored.at) < SNAPSHOT_MAX_AGE_MS;
  return fresh ? stored : refresh(deps, projectId);
}

/** The refresh route's last step for a project: its snapshot recomputed after the rollup. */
export const productSnapshotStep = (deps: ReportDeps): AfterFold => ({
  name: 'product snapshot',
  project: async (projectId) => {
    await refresh(deps, projectId);
  },
});
