/**
 * The rejections report: what tracking requests refused, counted once per distinct item over
 * every resend, by reason and by write key, with the newest samples (docs/api.md "Rejections").
 */
import * as v from 'valibot';
import {
  REJECTION_KEEP_DAYS,
  readRejectionCounts,
  readRejectionSamples,
} from '../../store/rejections.ts';
import { parseRange } from '../range.ts';
import { intParam, projectParam, rangeParams, report } from '../report.ts';
import { rejectionsResponse } from '../responses.ts';
import { compareText } from './numbers.ts';

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

export const rejectionsReports = [
  report({
    route: 'GET /api/v1/analytics/rejections',
    response: rejectionsResponse,
    query: v.object({
      project: projectParam,
      ...rangeParams,
      limit: intParam(20, 100, 'Samples, newest first'),
    }),
    run: async ({ deps, projectId, query }) => {
      const range = parseRange(query, deps.now());
      const [counts, samples] = await Promise.all([
        readRejectionCounts(deps.ddb, deps.tableName, projectId, range.from, range.to),
        readRejectionSamples(deps.ddb, deps.tableName, projectId, range.days, query.limit),
      ]);
      return {
        project: projectId,
        range: { name: range.range, from: range.from, to: range.to },
        total: counts.total,
        byReason: counts.byReason,
        byWriteKey: Object.entries(counts.byWriteKey)
          .map(([keyId, byReason]) => ({ keyId, total: sum(byReason), byReason }))
          .sort((a, b) => b.total - a.total || compareText(a.keyId, b.keyId)),
        samplesKeptDays: REJECTION_KEEP_DAYS,
        samples,
      };
    },
    rows: (body: {
      byWriteKey: { keyId: string; total: number; byReason: Record<string, number> }[];
    }) => body.byWriteKey.map(({ keyId, total, byReason }) => ({ keyId, total, ...byReason })),
  }),
];
