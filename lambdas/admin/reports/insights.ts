import type { Report } from '../report.ts';

export const insightsReports: Report<unknown>[] = [];
