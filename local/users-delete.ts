/**
 * `npm run users:delete -- --user <userId | anon:<anonymousId>> [--project p] [--no-wait]`:
 * deletes a user's data on the running local twin (`DELETE /api/v1/analytics/user-data/{userId}`),
 * then, unless `--no-wait`, runs each phase when it is due (`POST …/metrics/refresh` of today,
 * which runs due deletions first) until the audit record says `done`, and prints it.
 * In AWS: the same DELETE through the admin API; the scheduled rollup runs the phases.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { DeletionRecord } from '../lambdas/rebuild/deletion.ts';
import { callAdmin, twinCredentials } from './admin-cli.ts';

const { values } = parseArgs({
  options: {
    user: { type: 'string' },
    project: { type: 'string' },
    'no-wait': { type: 'boolean', default: false },
  },
});
if (!values.user) {
  console.error(
    'Usage: npm run users:delete -- --user <userId | anon:<anonymousId>> [--project p]',
  );
  process.exit(2);
}
const creds = twinCredentials();
const project = encodeURIComponent(values.project ?? creds.projectId);
const { deletion } = await callAdmin<{ deletion: DeletionRecord }>(
  creds,
  'DELETE',
  `/api/v1/analytics/user-data/${encodeURIComponent(values.user)}?project=${project}`,
);
console.log(
  `deletion ${deletion.id} requested: data stored before ${deletion.cutoff} goes; first phase due ${new Date(deletion.dueAt).toISOString()}`,
);
let current = deletion;
while (!values['no-wait'] && current.status !== 'done') {
  await sleep(Math.min(5_000, Math.max(250, current.dueAt - Date.now())));
  if (Date.now() >= current.dueAt) {
    const today = new Date().toISOString().slice(0, 10);
    await callAdmin(
      creds,
      'POST',
      `/api/v1/analytics/metrics/refresh?project=${project}&from=${today}&to=${today}`,
    );
  }
  const { deletions } = await callAdmin<{ deletions: DeletionRecord[] }>(
    creds,
    'GET',
    `/api/v1/analytics/user-deletions?project=${project}`,
  );
  const seen = deletions.find((d) => d.id === deletion.id);
  if (seen && seen.status !== current.status) console.log(`status: ${seen.status}`);
  current = seen ?? current;
}
console.log(JSON.stringify(current, null, 2));
