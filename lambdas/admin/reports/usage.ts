/** Usage reports: overview, daily stats, event counts, messages, tokens, API usage. */
import type { Report } from '../report.ts';
import { apiUsageReport } from './usage/api-usage.ts';
import { dailyStatsReport } from './usage/daily-stats.ts';
import { eventCountsReport } from './usage/event-counts.ts';
import { messagesReport } from './usage/messages.ts';
import { overviewReport } from './usage/overview.ts';
import { tokensReport } from './usage/tokens.ts';

/** The usage reports, for the admin function's registry. */
export const usageReports = [
  overviewReport,
  dailyStatsReport,
  eventCountsReport,
  messagesReport,
  tokensReport,
  apiUsageReport,
] as Report<unknown>[];
