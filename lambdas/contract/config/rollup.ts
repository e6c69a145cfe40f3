/** The rollup's configuration (the rollup function's, and the admin function's for a refresh). */
import { type Env, integer, oneOf, readAll, type Values } from './setting.ts';
import { type StorageConfig, storageConfig } from './storage.ts';

export const ROLLUP_HOURLY_MODES = ['compact', 'rebuild'] as const;

export const ROLLUP = {
  /**
   * How long after a live bucket ends it may still be written to; must exceed the ingest
   * function's timeout. Only buckets older than this are folded into a rebuild.
   */
  settleSeconds: integer('TALLY_ROLLUP_SETTLE_SECONDS', 120, 0, 3600),
  /** Days the nightly rebuild covers, to fold late events into closed days. */
  nightlyDays: integer('TALLY_ROLLUP_NIGHTLY_DAYS', 3, 1, 400),
  /**
   * What the hourly job does to today and yesterday: fold the live layer into the rollup
   * (`compact`, cheap: it reads facts, not raw events), or rebuild from raw events (`rebuild`).
   */
  hourly: oneOf('TALLY_ROLLUP_HOURLY', ROLLUP_HOURLY_MODES, 'compact'),
} as const;

export type RollupConfig = Values<typeof ROLLUP> & { readonly storage: StorageConfig };

export const rollupConfig = (env: Env): RollupConfig => ({
  storage: storageConfig(env),
  ...readAll(ROLLUP, env),
});
