/**
 * Reading a range of days for a report: each day's rebuilt figures plus its live layer (see
 * day-store.ts), merged. A report's cost grows with the days it asks for, not with the events.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { emptyParts, mergeParts, type Parts } from '../shared/aggregate.ts';
import type { StorageConfig } from '../shared/config.ts';
import { type DayView, type Need, readDay } from '../shared/day-store.ts';
import { mapLimit, queryAll } from '../shared/dynamo.ts';
import { userDayPartition } from '../shared/keys.ts';
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

/** The distinct users active on any of `days`: the union of the days' user markers. */
export async function activeUsersOf(
  deps: ReportDeps,
  projectId: string,
  days: string[],
): Promise<Set<string>> {
  const partitions = days.flatMap((day) =>
    Array.from({ length: deps.storage.userShards }, (_, s) => userDayPartition(projectId, day, s)),
  );
  const users = new Set<string>();
  await mapLimit(partitions, DAY_CONCURRENCY, async (pk) => {
    const items = await queryAll(deps.ddb, {
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ProjectionExpression: 'sk',
    });
    for (const i of items) users.add(i.sk as string);
  });
  return users;
}
