/**
 * `npm run rollup -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--project p]`: rebuilds a range (a
 * backfill after a fix) on the running local twin, through `POST /api/v1/analytics/metrics/refresh`.
 * In AWS: `aws lambda invoke --function-name <RollupFunctionName> --payload '{"from":"…","to":"…"}' out.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DayResult } from '../lambdas/rebuild/fold.ts';
import { CREDENTIALS_FILE, type LocalCredentials } from './bootstrap.ts';
import { dataDirFromEnv } from './data-dir.ts';

const { values } = parseArgs({
  options: { from: { type: 'string' }, to: { type: 'string' }, project: { type: 'string' } },
});
const file = join(dataDirFromEnv(), CREDENTIALS_FILE);
if (!existsSync(file)) {
  console.error(`No ${file}: start Tally with \`npm start\` first.`);
  process.exit(1);
}
const { baseUrl, adminToken, projectId } = JSON.parse(
  readFileSync(file, 'utf8'),
) as LocalCredentials;
const query = new URLSearchParams({ project: values.project ?? projectId });
if (values.from) query.set('from', values.from);
if (values.to) query.set('to', values.to);

let res: Response;
try {
  res = await fetch(`${baseUrl}/api/v1/analytics/metrics/refresh?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
  });
} catch {
  console.error(`Tally is not answering at ${baseUrl}: is \`npm start\` running?`);
  process.exit(1);
}
const body = (await res.json()) as {
  days?: Omit<DayResult, 'projectId'>[];
  failed?: { day: string; error: string }[];
  tookMs?: number;
  error?: { message: string };
};
if (!res.ok) {
  console.error(`Refused (${res.status}): ${body.error?.message}`);
  process.exit(1);
}
for (const d of body.days ?? []) {
  const fixed = Object.keys(d.correction).length
    ? `  corrected ${JSON.stringify(d.correction)}`
    : '';
  console.log(`${d.day}  ${String(d.events).padStart(8)} events${fixed}`);
}
console.log(`rebuilt ${body.days?.length ?? 0} days in ${body.tookMs} ms`);
for (const f of body.failed ?? []) console.error(`${f.day}  failed: ${f.error}`);
if (body.failed?.length) process.exit(1);
