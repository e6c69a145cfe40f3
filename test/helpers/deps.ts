/** The dependencies the handlers' logic takes, against a test table, with a controlled clock. */
import type { IngestDeps } from '../../lambdas/ingest/ingest.ts';
import type { RollupDeps } from '../../lambdas/rollup/rollup.ts';
import type { TestTable } from './dynamo.ts';
import { silentLog } from './events.ts';

/** A fixed instant, or a function read on every call (for a clock a test moves). */
export type Clock = number | (() => number);
const clockOf = (now: Clock) => (typeof now === 'number' ? () => now : now);

/** Ingest as the queue's consumer runs it: 5 receives before a failing record is dead-lettered. */
export function ingestDeps(t: TestTable, now: Clock): IngestDeps {
  return { ddb: t.ddb, storage: t.storage, now: clockOf(now), log: silentLog, maxReceiveCount: 5 };
}

/** The rollup; by default a bucket settles 90 s after it ends. */
export function rollupDeps(t: TestTable, now: Clock, settleMs = 90_000): RollupDeps {
  return { ddb: t.ddb, storage: t.storage, now: clockOf(now), log: silentLog, settleMs };
}
