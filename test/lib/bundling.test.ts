/**
 * The real bundling path: the house function's asset is `bundleLambda`'s output (the build the
 * cold-start benchmark measures), a minified ESM entry with source maps, split so that code only
 * some requests need sits in chunks that module init does not load.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRACKER_SCRIPT } from '../../lambdas/track/tracker-script.ts';
import {
  type Bundle,
  bundleLambda,
  LAMBDA_ENTRIES,
  LAMBDA_ENVIRONMENT,
} from '../../lib/bundling.ts';
import { TallyFunction } from '../../lib/tally-function.ts';
import { decodeStack } from '../../scripts/decode-stack.ts';

/** Strings that code only some requests need keeps when minified, to find which file holds it. */
const MARKERS = {
  // The first request with a JWT.
  jose: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  // The first event carrying a user agent.
  bowser: 'Opera Coast',
  isbot: 'news(?!sapphire)',
  // The first request to a domain endpoint (/v1/track/message…): its field aliases.
  'the domain translation': 'user_agent',
  // The first rejected item.
  'safe-stable-stringify': '[Circular]',
  // The first GET /t.js.
  'the browser tracker': TRACKER_SCRIPT.slice(30, 70),
};

/** Every file of the bundle (a path relative to `dir`) that holds `marker`. */
const holding = (dir: string, bundle: Bundle, marker: string) =>
  bundle.files.filter((f) => readFileSync(join(dir, f), 'utf8').includes(marker));

describe('the track bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bundle-'));
  let bundle: Bundle;
  beforeAll(() => {
    bundle = bundleLambda({ entry: LAMBDA_ENTRIES.track }, dir);
  });

  it('is an entry, index.mjs, that loads some chunks at init and leaves others for later', () => {
    expect(bundle.file).toBe(join(dir, 'index.mjs'));
    expect(bundle.atInit).toContain('index.mjs');
    expect(bundle.files.length).toBeGreaterThan(bundle.atInit.length);
    expect(bundle.lazyBytes).toBeGreaterThan(0);
    // A source map beside every file, for decoding stack traces.
    for (const f of bundle.files) expect(existsSync(join(dir, `${f}.map`))).toBe(true);
    const text = readFileSync(bundle.file, 'utf8');
    // Minified: thousands of characters per line (unminified code averages well under 100).
    expect(text.length / text.split('\n').length).toBeGreaterThan(2000);
    expect(text).toContain('sourceMappingURL=index.mjs.map');
  });

  it.each(Object.entries(MARKERS))(
    'holds %s in a chunk that module init does not load',
    (_, marker) => {
      const files = holding(dir, bundle, marker);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(bundle.atInit).not.toContain(f);
    },
  );
});

describe('TallyFunction', () => {
  it('deploys exactly the bundle bundleLambda builds, handler index.handler', () => {
    const app = new App();
    const stack = new Stack(app, 'Bundle');
    new TallyFunction(stack, 'Track', { name: 'track', description: 'test' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
    });
    const assembly = app.synth();
    const assetDir = readdirSync(assembly.directory)
      .map((d) => join(assembly.directory, d))
      .find((d) => existsSync(join(d, 'index.mjs')));
    expect(assetDir).toBeDefined();
    const asset = assetDir as string;
    const dir = mkdtempSync(join(tmpdir(), 'tally-bundle-'));
    const built = bundleLambda({ entry: LAMBDA_ENTRIES.track }, dir);
    const listing = (d: string) =>
      readdirSync(d, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.mjs') || f.endsWith('.map'))
        .sort();
    expect(listing(asset)).toEqual(listing(dir));
    expect(listing(asset)).toEqual([...built.files, ...built.files.map((f) => `${f}.map`)].sort());
    for (const f of built.files) {
      expect(readFileSync(join(asset, f), 'utf8')).toBe(readFileSync(join(dir, f), 'utf8'));
    }
  });
});

describe('decodeStack', () => {
  it('maps a stack trace of a bundle run as deployed (no --enable-source-maps) to the sources', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-bundle-'));
    const source = [
      "import { LIMITS } from './lambdas/model/limits.ts';",
      'export function fail(n: number) {',
      '  if (n > LIMITS.batchItems) return n;',
      "  throw new Error('boom');",
      '}',
      'fail(1);',
    ].join('\n');
    const { file } = bundleLambda({ contents: source, sourcefile: 'thrower.ts' }, dir);
    const run = spawnSync(
      process.execPath,
      ['-e', `import(${JSON.stringify(file)}).catch((e) => console.log(e.stack))`],
      { encoding: 'utf8', env: { PATH: process.env.PATH, ...LAMBDA_ENVIRONMENT } },
    );
    const trace = run.stdout;
    expect(trace).toMatch(/index\.mjs:\d+:\d+/);
    const decoded = decodeStack(trace, dir);
    expect(decoded).toMatch(
      /^Error: boom\n\s+at \S+ \(thrower\.ts:4:\d+\)\n\s+at thrower\.ts:6:1\n/,
    );
    expect(decoded).not.toContain('index.mjs');
    // Frames outside the bundle stay as they were.
    expect(decoded).toContain('node:internal/');
  });
});
