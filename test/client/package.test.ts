/**
 * `client/` in the shape it is published in: it builds with tsc to ESM with type declarations,
 * its package.json points at what the build makes, it depends on nothing at run time, and its
 * README documents every option.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('client/package.json', 'utf8'));
const out = mkdtempSync(join(tmpdir(), 'tally-client-dist-'));
/** Where the package's own `./dist/…` paths are, in the build made here. */
const built = (path: string) => join(out, relative('./dist', path));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : [join(dir, d.name)],
  );
}

beforeAll(async () => {
  await promisify(execFile)('node_modules/.bin/tsc', [
    '-p',
    'client/tsconfig.json',
    '--outDir',
    out,
  ]);
}, 120_000);

describe('@tally/client as published', () => {
  it('is an ESM package whose exports point at the built code and its types', () => {
    expect(pkg).toMatchObject({ name: '@tally/client', type: 'module', engines: { node: '>=20' } });
    const entry = pkg.exports['.'];
    expect(Object.keys(entry)).toEqual(['types', 'import']);
    expect(existsSync(built(entry.types))).toBe(true);
    expect(existsSync(built(entry.import))).toBe(true);
    expect(readFileSync(built(entry.types), 'utf8')).toContain('Tally');
  });

  it('depends on nothing at run time: every import in the build is one of its own files', () => {
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.peerDependencies).toBeUndefined();
    const specifiers = files(out)
      .filter((f) => f.endsWith('.js'))
      .flatMap((f) =>
        [
          ...readFileSync(f, 'utf8').matchAll(
            /(?:^|\s)(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]/gm,
          ),
        ].map((m) => m[1] as string),
      );
    expect(specifiers.length).toBeGreaterThan(10);
    expect(specifiers.filter((s) => !s.startsWith('./') && !s.startsWith('../'))).toEqual([]);
    expect(specifiers.filter((s) => !s.endsWith('.js'))).toEqual([]);
  });

  it('loads as built, with the whole API', async () => {
    const api = await import(built(pkg.exports['.'].import));
    for (const name of [
      'Tally',
      'tallyHttp',
      'tallyExpress',
      'tallyFastify',
      'tallyMiddy',
      'withTally',
      'llmUsage',
      'routeMatcher',
      'UNMATCHED',
    ]) {
      expect([name, typeof api[name]]).toEqual([name, expect.stringMatching(/function|string/)]);
    }
    const { VERSION } = await import(join(out, 'version.js'));
    expect(VERSION).toBe(pkg.version);
  });

  it('documents every option in its README', () => {
    const types = readFileSync(join(out, 'client.d.ts'), 'utf8');
    const block = types.slice(
      types.indexOf('interface TallyOptions'),
      types.indexOf('interface FlushOptions'),
    );
    const options = [...block.matchAll(/^\s+(\w+)\??:/gm)].map((m) => m[1] as string);
    expect(options.length).toBeGreaterThan(15);
    const readme = readFileSync('client/README.md', 'utf8');
    expect(options.filter((o) => !readme.includes(`\`${o}\``))).toEqual([]);
  });
});
