/** The summary report: the side panel's headline figures, from live counters and rollups. */
import * as v from 'valibot';
import { readPeriod, readTotals } from '../../shared/counters.ts';
import { period } from '../../shared/keys.ts';
import { COUNTER, type Counters } from '../../shared/metrics.ts';
import { dayOf } from '../../shared/time.ts';
import type { ReportDeps } from '../read.ts';
import { projectParam, report } from '../report.ts';

export interface Summary {
  project: string;
  totalEvents: number;
  totalUsers: number;
  activeUsersToday: number;
  totalConversations: number;
  totalMessages: number;
  totalTokens: number;
  /** Mean response time of messages that reported one; null when none did. */
  avgResponseTimeMs: number | null;
  asOf: string;
}

const n = (c: Counters, k: string) => c[k] ?? 0;

/** Average of a sum/count pair, to 0.1, or null without samples. */
export function average(sum: number, count: number): number | null {
  return count > 0 ? Math.round((sum / count) * 10) / 10 : null;
}

/** Two reads whatever the volume: the all-time totals item and today's counter partition. */
export async function summary(
  deps: Pick<ReportDeps, 'ddb' | 'tableName' | 'now'>,
  projectId: string,
): Promise<Summary> {
  const now = deps.now();
  const [t, today] = await Promise.all([
    readTotals(deps.ddb, deps.tableName, projectId),
    readPeriod(deps.ddb, deps.tableName, projectId, period.day(dayOf(now))),
  ]);
  return {
    project: projectId,
    totalEvents: n(t, COUNTER.events),
    totalUsers: n(t, COUNTER.newUsers),
    activeUsersToday: n(today.counters, COUNTER.activeUsers),
    totalConversations: n(t, COUNTER.conversations),
    totalMessages: n(t, COUNTER.messages),
    totalTokens: n(t, COUNTER.tokens),
    avgResponseTimeMs: average(n(t, COUNTER.responseTimeSumMs), n(t, COUNTER.responseTimeCount)),
    asOf: new Date(now).toISOString(),
  };
}

export const summaryReport = report({
  route: 'GET /api/v1/analytics/summary',
  query: v.object({ project: projectParam }),
  run: ({ deps, projectId }) => summary(deps, projectId),
});
