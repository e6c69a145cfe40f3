import type { Report } from '../report.ts';

export const peopleReports: Report<unknown>[] = [];
