/**
 * `npm run token -- [--role admin|viewer] [--projects a,b] [--expires-in 1h] [--scope track] [--subject name]`
 * prints a token signed by the local issuer (the key under TALLY_DATA_DIR), so the admin API's
 * auth rules can be tried by hand; `--scope track --projects p` makes a service token for the
 * tracking API. Local twin only.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dataDirFromEnv } from './data-dir.ts';
import { ISSUER_FILE, loadIssuer } from './issuer.ts';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'admin' },
    scope: { type: 'string' },
    projects: { type: 'string' },
    'expires-in': { type: 'string', default: '1h' },
    subject: { type: 'string', default: 'local-admin' },
  },
});

const file = join(dataDirFromEnv(), ISSUER_FILE);
if (!existsSync(file)) {
  console.error(`No local issuer key at ${file}: run \`npm start\` once first.`);
  process.exit(1);
}
if (!/^\d+\s*(s|m|h|d|w|y)$/.test(values['expires-in'] ?? '')) {
  console.error(`--expires-in must look like 30m, 1h or 7d; got ${values['expires-in']}`);
  process.exit(1);
}
const issuer = await loadIssuer(file);
const projects = values.projects
  ?.split(',')
  .map((p) => p.trim())
  .filter(Boolean);
console.log(
  await issuer.mint({
    role: values.role,
    expiresIn: values['expires-in'],
    subject: values.subject,
    ...(values.scope ? { scope: values.scope } : {}),
    ...(projects?.length ? { projects } : {}),
  }),
);
