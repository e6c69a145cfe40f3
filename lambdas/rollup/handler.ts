/** Rollup Lambda: run by the hourly and nightly schedules, or invoked with a range to backfill. */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { rollupConfig } from '../contract/config/rollup.ts';
import { PROJECT_DIMENSION, ROLLUP_METRICS, ROLLUP_SERVICE } from '../contract/telemetry.ts';
import { documentClient } from '../http/clients.ts';
import { createLogger } from '../http/logger.ts';
import type { RollupDeps } from '../rebuild/fold.ts';
import { type FoldFailure, type RollupJob, runJob } from '../rebuild/jobs.ts';

const config = rollupConfig(process.env);
const log = createLogger('rollup');
const deps: RollupDeps = {
  ddb: documentClient(config.storage),
  storage: config.storage,
  now: Date.now,
  log,
  settleMs: config.settleSeconds * 1000,
};
// Namespace from POWERTOOLS_METRICS_NAMESPACE (one per stack, set by lib/rollup.ts).
const metrics = new Metrics({ serviceName: ROLLUP_SERVICE });

/**
 * Folds every project; one that fails is logged and named in `failed`, the others are folded.
 * The job counts as finished (RollupRuns), its failed projects are counted (RollupFailedProjects,
 * and ProjectRollupFailed by project), and the next schedule tries again. lib/operations.ts
 * alarms on both.
 */
export const handler = middy<RollupJob, { days: number; events: number; failed: FoldFailure[] }>()
  .use(log.context())
  .handler(async (job) => {
    const { days, failed } = await runJob(deps, job ?? {}, config);
    const failedProjects = [...new Set(failed.map((f) => f.projectId))].sort();
    metrics.addMetric(ROLLUP_METRICS.runs, MetricUnit.Count, 1);
    metrics.addMetric(ROLLUP_METRICS.failedProjects, MetricUnit.Count, failedProjects.length);
    metrics.publishStoredMetrics();
    for (const projectId of failedProjects) {
      metrics
        .singleMetric()
        .addDimension(PROJECT_DIMENSION, projectId)
        .addMetric(ROLLUP_METRICS.projectFailed, MetricUnit.Count, 1);
    }
    return { days: days.length, events: days.reduce((n, r) => n + r.events, 0), failed };
  });
