/**
 * `npm run decode-stack -- <bundle dir> < trace.txt`: a stack trace logged by a deployed function
 * (positions in its minified bundle, as `/var/task/index.mjs:1:23456`) with each position mapped
 * to the source (`lambdas/track/track.ts:120:5`), from the source maps the asset keeps beside
 * each file. The bundle dir is the function's asset (`cdk.out/asset.<hash>/`, or the deployed
 * code: `aws lambda get-function --query Code.Location`), or `npm run build`'s dist/lambdas/<name>
 * when built from the same commit. The functions run without `--enable-source-maps`
 * (lib/bundling.ts `LAMBDA_ENVIRONMENT` says why).
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { CANONICAL_OUTDIR, PROJECT_ROOT } from '../lib/bundling.ts';

// A path inside the bundle (`index.mjs`, `chunks/user-agent-X.mjs`), anywhere it was loaded from.
const POSITION = /(?:file:\/\/)?[^\s()]*?((?:chunks\/)?[\w.-]+\.mjs):(\d+):(\d+)/g;

/** `text` with every position in a file of the bundle in `dir` replaced by its source position. */
export function decodeStack(text: string, dir: string): string {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string) => {
    if (!maps.has(file)) {
      const path = join(dir, `${file}.map`);
      maps.set(
        file,
        existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, 'utf8'))) : undefined,
      );
    }
    return maps.get(file);
  };
  return text.replace(POSITION, (whole, file: string, line: string, column: string) => {
    const entry = mapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry)) return whole;
    // esbuild wrote the map as if the bundle were in CANONICAL_OUTDIR (lib/bundling.ts).
    const source = relative(
      PROJECT_ROOT,
      resolve(PROJECT_ROOT, CANONICAL_OUTDIR, entry.originalSource),
    );
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: npm run decode-stack -- <bundle dir> < trace.txt');
    process.exit(2);
  }
  process.stdout.write(decodeStack(readFileSync(0, 'utf8'), dir));
}
