/** Rollup Lambda: run by the hourly and nightly schedules, or invoked with a range to backfill. */
import middy from '@middy/core';
import { documentClient } from '../shared/clients.ts';
import { rollupConfig } from '../shared/config.ts';
import { createLogger } from '../shared/logger.ts';
import { type RollupJob, runJob } from './jobs.ts';
import type { RollupDeps } from './rollup.ts';

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
