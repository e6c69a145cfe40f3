/**
 * Reading a range of days for a report: each day's rebuilt figures plus its live layer (see
 * day-store.ts), merged. A report's cost grows with the days it asks for, not with the events.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { emptyParts, mergeParts, type Parts } from '../shared/aggregate.ts';
import type { StorageConfig } from '../shared/config.ts';
import { type DayView, type Need, readDay } from '../shared/day-store.ts';
import { mapLimit } from '../shared/dynamo.ts';
import { COUNTER } from '../shared/metrics.ts';

export interface ReportDeps {
  ddb: DynamoDBDocumentClient;
  tableName: string;
  storage: StorageConfig;
  now: () => number;
}

export interface RangeView {
  days: DayView[];
  /** Everything merged. `counters.activeUsers` is left out: distinct users do not add up over days. */
  total: Parts;
}

/** Days read at once: enough to be quick, few enough not to throttle a small table. */
const DAY_CONCURRENCY = 8;

export async function readRange(
  deps: ReportDeps,
  projectId: string,
  days: string[],
  need: Need = {},
): Promise<RangeView> {
  const views = await mapLimit(days, DAY_CONCURRENCY, (day) =>
    readDay({ ddb: deps.ddb, tableName: deps.tableName }, projectId, day, need),
  );
  const total = emptyParts();
  for (const v of views) mergeParts(total, v.parts);
  delete total.counters[COUNTER.activeUsers];
  return { days: views, total };
}
