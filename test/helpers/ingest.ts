/**
 * Ingest as SQS drives it: records it reports failed are delivered again, with their receive
 * count moved on, until each is stored or `maxReceiveCount` is spent. Tests that build a dataset
 * through ingest use it, so a transient failure of DynamoDB Local under load is retried as SQS
 * would retry it, and a record that never goes in fails the test with its reason instead of
 * leaving a silent gap in the data.
 */
import type { SQSRecord } from 'aws-lambda';
import type { IngestDeps } from '../../lambdas/ingest/deps.ts';
import { type IngestStats, ingest } from '../../lambdas/ingest/ingest.ts';

export async function ingestAll(deps: IngestDeps, records: SQSRecord[]): Promise<IngestStats> {
  const reasons: string[] = [];
  const log = {
    ...deps.log,
    warn: (message: string, extra?: Record<string, unknown>) => {
      reasons.push(`${message}: ${String(extra?.reason ?? extra?.error ?? '')}`);
      deps.log.warn(message, extra);
    },
  };
  const total: IngestStats = {
    received: 0,
    stored: 0,
    duplicates: 0,
    failedRecords: 0,
    deadLettered: 0,
    requeued: 0,
    rejectionsCounted: 0,
  };
  let pending = records;
  for (let receive = 1; pending.length; receive++) {
    if (receive > deps.maxReceiveCount) {
      throw new Error(`${pending.length} records never went in: ${reasons.join('; ')}`);
    }
    const res = await ingest({ ...deps, log }, pending);
    for (const k of Object.keys(total) as (keyof IngestStats)[]) total[k] += res.stats[k];
    if (res.stats.deadLettered) throw new Error(`records dead-lettered: ${reasons.join('; ')}`);
    const failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    pending = pending
      .filter((r) => failed.has(r.messageId))
      .map((r) => ({
        ...r,
        attributes: { ...r.attributes, ApproximateReceiveCount: String(receive + 1) },
      }));
  }
  return total;
}
