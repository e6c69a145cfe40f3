/** The dependencies the handlers' logic takes, against a test table, with a controlled clock. */
import type { AdminDeps } from '../../lambdas/admin/report.ts';
import { DEFAULT_INTENT_RULES, DEFAULT_TOKEN_PRICES } from '../../lambdas/contract/config/admin.ts';
import type { Verifier } from '../../lambdas/http/jwt.ts';
import type { IngestDeps } from '../../lambdas/ingest/deps.ts';
import type { RollupDeps } from '../../lambdas/rebuild/fold.ts';
import type { TestTable } from './dynamo.ts';
import { silentLog } from './events.ts';

/** A fixed instant, or a function read on every call (for a clock a test moves). */
export type Clock = number | (() => number);
const clockOf = (now: Clock) => (typeof now === 'number' ? () => now : now);

/** Ingest as the queue's consumer runs it: 5 receives before a failing record is dead-lettered. */
export function ingestDeps(t: TestTable, now: Clock): IngestDeps {
  return {
    ddb: t.ddb,
    storage: t.storage,
    now: clockOf(now),
    log: silentLog,
    maxReceiveCount: 5,
    lifetimeMs: 60_000,
  };
}

/** The rollup; by default a bucket settles 90 s after it ends. */
export function rollupDeps(t: TestTable, now: Clock, settleMs = 90_000): RollupDeps {
  return { ddb: t.ddb, storage: t.storage, now: clockOf(now), log: silentLog, settleMs };
}

/** Every request comes from an admin of every project. */
export const anyAdmin: Verifier = async () => ({
  subject: 'test',
  roles: ['admin'],
  scopes: [],
  projects: undefined,
});

/**
 * The admin function's dependencies: any caller an admin (role `admin`), the default token prices
 * and intent rules, lexicon sentiment, and the rollup settling 90 s with a 7-day nightly rebuild;
 * `overrides` replace any of these.
 */
export function adminDeps(t: TestTable, now: Clock, overrides: Partial<AdminDeps> = {}): AdminDeps {
  return {
    ddb: t.ddb,
    tableName: t.tableName,
    storage: t.storage,
    now: clockOf(now),
    log: silentLog,
    verify: anyAdmin,
    adminRole: 'admin',
    rollup: { settleMs: 90_000, nightlyDays: 7 },
    tokenPrices: DEFAULT_TOKEN_PRICES,
    insights: {
      sentimentProvider: 'lexicon',
      comprehendEndpoint: undefined,
      intentRules: DEFAULT_INTENT_RULES,
    },
    ...overrides,
  };
}
