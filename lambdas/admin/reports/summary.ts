/** The summary report: the side panel's headline figures, from live counters and rollups. */
import * as v from 'valibot';
import { period } from '../../contract/keys.ts';
import { dayOf } from '../../model/time.ts';
import { COUNTER } from '../../store/contributions.ts';
import { readPeriod, readTotals } from '../../store/counters.ts';
import type { ReportDeps } from '../read.ts';
import { projectParam, report } from '../report.ts';
import { summaryResponse } from '../responses.ts';
import { countOf, mean } from './numbers.ts';

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
    totalEvents: countOf(t, COUNTER.events),
    totalUsers: countOf(t, COUNTER.newUsers),
    activeUsersToday: countOf(today.counters, COUNTER.activeUsers),
    totalConversations: countOf(t, COUNTER.conversations),
    totalMessages: countOf(t, COUNTER.messages),
    totalTokens: countOf(t, COUNTER.tokens),
    avgResponseTimeMs: mean(
      countOf(t, COUNTER.responseTimeSumMs),
      countOf(t, COUNTER.responseTimeCount),
    ),
    asOf: new Date(now).toISOString(),
  };
}

export const summaryReport = report({
  route: 'GET /api/v1/analytics/summary',
  response: summaryResponse,
  query: v.object({ project: projectParam }),
  run: ({ deps, projectId }) => summary(deps, projectId),
});
