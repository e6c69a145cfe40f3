import type { Report } from '../report.ts';

export const usageReports: Report<unknown>[] = [];
