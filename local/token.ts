/**
 * `npm run token -- [--role admin|viewer] [--projects a,b] [--expires-in 1h] [--scope track] [--subject name]`
 * prints a token signed by the local issuer (the key under TALLY_DATA_DIR), so the admin API's
 * auth rules can be tried by hand; `--scope track --projects p` makes a service token for the
 * tracking API (no role: it cannot call the admin API). Tokens live at most 30 days, the most the
 * local twin accepts. Local twin only.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dataDirFromEnv } from './data-dir.ts';
import { ISSUER_FILE, LOCAL_TOKEN_LIFETIME_SECONDS, loadIssuer } from './issuer.ts';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    scope: { type: 'string' },
    projects: { type: 'string' },
    'expires-in': { type: 'string', default: '1h' },
    subject: { type: 'string', default: 'local-admin' },
  },
});

const fail = (message: string): never => {
  console.error(message);
  process.exit(1);
};

const file = join(dataDirFromEnv(), ISSUER_FILE);
if (!existsSync(file)) fail(`No local issuer key at ${file}: run \`npm start\` once first.`);
const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  y: 31_557_600,
};
const span = /^(\d+)\s*(s|m|h|d|w|y)$/.exec(values['expires-in'] ?? '');
if (!span) fail(`--expires-in must look like 30m, 1h or 7d; got ${values['expires-in']}`);
const lifetime = Number(span?.[1]) * (UNIT_SECONDS[span?.[2] ?? 's'] ?? 1);
if (lifetime > LOCAL_TOKEN_LIFETIME_SECONDS) {
  fail(`--expires-in is at most 30d: the local twin refuses longer-lived tokens`);
}
const service = values.scope?.split(' ').includes('track') ?? false;
if (service && values.role) {
  fail('--scope track makes a service token, which has no role: leave out --role');
}
const issuer = await loadIssuer(file);
const projects = values.projects
  ?.split(',')
  .map((p) => p.trim())
  .filter(Boolean);
console.log(
  await issuer.mint({
    ...(service ? {} : { role: values.role ?? 'admin' }),
    // Absolute, taken before the token's iat: its lifetime is then never a second over.
    expiresIn: Math.floor(Date.now() / 1000) + lifetime,
    subject: values.subject,
    ...(values.scope ? { scope: values.scope } : {}),
    ...(projects?.length ? { projects } : {}),
  }),
);
