/**
 * `npm run rollup -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--project p]`: rebuilds a range (a
 * backfill after a fix) on the running local twin, through `POST /api/v1/analytics/metrics/refresh`.
 * In AWS: `aws lambda invoke --function-name <RollupFunctionName> --payload '{"from":"…","to":"…"}' out.json`.
 */
import { parseArgs } from 'node:util';
import type { DayResult } from '../lambdas/rebuild/fold.ts';
import { callAdmin, twinCredentials } from './admin-cli.ts';

const { values } = parseArgs({
  options: { from: { type: 'string' }, to: { type: 'string' }, project: { type: 'string' } },
});
const creds = twinCredentials();
const query = new URLSearchParams({ project: values.project ?? creds.projectId });
if (values.from) query.set('from', values.from);
if (values.to) query.set('to', values.to);

const body = await callAdmin<{
  days?: Omit<DayResult, 'projectId'>[];
  failed?: { day: string; error: string }[];
  tookMs?: number;
}>(creds, 'POST', `/api/v1/analytics/metrics/refresh?${query}`);
for (const d of body.days ?? []) {
  const fixed = Object.keys(d.correction).length
    ? `  corrected ${JSON.stringify(d.correction)}`
    : '';
  console.log(`${d.day}  ${String(d.events).padStart(8)} events${fixed}`);
}
console.log(`rebuilt ${body.days?.length ?? 0} days in ${body.tookMs} ms`);
for (const f of body.failed ?? []) console.error(`${f.day}  failed: ${f.error}`);
if (body.failed?.length) process.exit(1);
