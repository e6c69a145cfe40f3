/** `npm run token`: tokens from the local issuer, to try the admin API's auth rules by hand. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, loadIssuer } from '../../local/issuer.ts';

const run = (dataDir: string, args: string[]) =>
  promisify(execFile)('node_modules/.bin/tsx', ['local/token.ts', ...args], {
    env: { ...process.env, TALLY_DATA_DIR: dataDir },
  });

describe('npm run token', () => {
  it('mints a token with the role, projects, scope and lifetime asked for, signed by the local issuer', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-token-'));
    const issuer = await loadIssuer(join(dataDir, 'local-issuer.json'));
    const { stdout } = await run(dataDir, [
      '--role',
      'viewer',
      '--projects',
      'a,b',
      '--expires-in',
      '2h',
    ]);
    const { payload } = await jwtVerify(stdout.trim(), createLocalJWKSet(issuer.jwks), {
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
    });
    expect(payload).toMatchObject({ roles: ['viewer'], projects: ['a', 'b'] });
    expect(7200 - ((payload.exp as number) - (payload.iat as number))).toBeLessThanOrEqual(1);
  });

  it('--scope track mints a service token: the scope and its project, no role at all', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-token-'));
    const issuer = await loadIssuer(join(dataDir, 'local-issuer.json'));
    const { stdout } = await run(dataDir, ['--scope', 'track', '--projects', 'default']);
    const { payload } = await jwtVerify(stdout.trim(), createLocalJWKSet(issuer.jwks));
    expect(payload).toMatchObject({ scope: 'track', projects: ['default'] });
    expect(payload.roles).toBeUndefined();
    await expect(run(dataDir, ['--scope', 'track', '--role', 'admin'])).rejects.toMatchObject({
      stderr: expect.stringContaining('--scope track makes a service token, which has no role'),
    });
  });

  it('explains what to do without a local issuer, and refuses a malformed lifetime', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tally-token-'));
    await expect(run(empty, [])).rejects.toMatchObject({
      stderr: expect.stringContaining('run `npm start` once first'),
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-token-'));
    await loadIssuer(join(dataDir, 'local-issuer.json'));
    await expect(run(dataDir, ['--expires-in', 'forever'])).rejects.toMatchObject({
      stderr: expect.stringContaining('--expires-in must look like'),
    });
    await expect(run(dataDir, ['--expires-in', '31d'])).rejects.toMatchObject({
      stderr: expect.stringContaining('--expires-in is at most 30d'),
    });
  });
});
