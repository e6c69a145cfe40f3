/** Rollup Lambda: run by the hourly and nightly schedules, or invoked with a range to backfill. */
import middy from '@middy/core';
import { rollupConfig } from '../contract/config/rollup.ts';
import { documentClient } from '../http/clients.ts';
import { createLogger } from '../http/logger.ts';
import type { RollupDeps } from '../rebuild/fold.ts';
import { type RollupJob, runJob } from '../rebuild/jobs.ts';

const config = rollupConfig(process.env);
const deps: RollupDeps = {
  ddb: documentClient(config.storage),
  storage: config.storage,
  now: Date.now,
  log: createLogger('rollup'),
  settleMs: config.settleSeconds * 1000,
};

export const handler = middy<RollupJob, { days: number; events: number }>().handler(async (job) => {
  const results = await runJob(deps, job ?? {}, config);
  return { days: results.length, events: results.reduce((n, r) => n + r.events, 0) };
});
