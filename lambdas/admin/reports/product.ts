/** Product analytics reports: usage trends, feature adoption, experiments, funnels, segments, retention. */
import type { Report } from '../report.ts';
import { experimentReports } from './product/experiments.ts';
import { featureReports } from './product/feature-adoption.ts';
import { funnelReports } from './product/funnels.ts';
import { retentionReports } from './product/retention.ts';
import { segmentReports } from './product/segments.ts';
import { usageTrendsReport } from './product/usage-trends.ts';
import { webTrafficReport } from './product/web-traffic.ts';

/** The product reports, for the admin function's registry. */
export const productReports = [
  webTrafficReport,
  usageTrendsReport,
  ...featureReports,
  ...experimentReports,
  ...funnelReports,
  ...segmentReports,
  ...retentionReports,
] as Report<unknown>[];
