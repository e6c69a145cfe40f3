/** Rollup Lambda: run by the hourly and nightly schedules, or invoked with a range to backfill. */
import middy from '@middy/core';
import { rollupConfig } from '../contract/config/rollup.ts';
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

/** Folds every project; one that fails is logged and named in `failed`, the others are folded. */
export const handler = middy<RollupJob, { days: number; events: number; failed: FoldFailure[] }>()
  .use(log.context())
  .handler(async (job) => {
    const { days, failed } = await runJob(deps, job ?? {}, config);
    return { days: days.length, events: days.reduce((n, r) => n + r.events, 0), failed };
  });
