import type { Report } from '../report.ts';

export const serviceReports: Report<unknown>[] = [];
