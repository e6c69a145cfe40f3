/**
 * `npm run build`: bundles every Lambda exactly as CDK does (lib/bundling.ts) into
 * dist/lambdas/<name>/ (index.mjs and its chunks), builds the dashboard into dist/web, and
 * reports sizes and the overview's time to figures against the local twin (`--no-timing` skips
 * that).
 */
import { statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { type Bundle, bundleLambda, LAMBDA_ENTRIES, type LambdaName } from '../lib/bundling.ts';
import { BUDGET_GZIP_BYTES, buildWeb, initialLoad } from '../web/build.ts';
import { TRACKER_BUDGET_GZIP_BYTES, writeTracker } from './tracker.ts';

export interface BundleInfo extends Bundle {
  name: LambdaName;
}

/** Every Lambda into `<outDir>/<name>/`, as CDK deploys it. */
export function buildLambdas(outDir = 'dist/lambdas'): BundleInfo[] {
  return (Object.entries(LAMBDA_ENTRIES) as [LambdaName, string][]).map(([name, entry]) => ({
    name,
    ...bundleLambda({ entry }, join(outDir, name)),
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // First: the track function's bundle embeds the generated tracker module.
  const tracker = writeTracker();
  const bundles = buildLambdas();
  await buildWeb('dist/web');
  console.log(
    'Lambda bundles (minified, source maps alongside): loaded at init, and in lazy chunks',
  );
  for (const b of bundles) {
    console.log(
      `  ${b.name.padEnd(8)} ${(b.bytes / 1024).toFixed(1).padStart(8)} KiB + ${(b.lazyBytes / 1024).toFixed(1).padStart(6)} KiB lazy  ${b.file}`,
    );
  }
  const load = initialLoad('dist/web');
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `Dashboard initial load (gzip): ${kb(load.total)} of a ${kb(BUDGET_GZIP_BYTES)} budget (${Object.entries(
      load.files,
    )
      .map(([f, n]) => `${f} ${kb(n)}`)
      .join(', ')})`,
  );
  const panel = statSync('dist/web/tally-panel.js').size;
  console.log(`Side panel element: ${kb(panel)} minified  dist/web/tally-panel.js`);
  console.log(
    `Browser tracker (GET /t.js): ${tracker.gzip} B gzipped of a ${TRACKER_BUDGET_GZIP_BYTES} B budget, ${tracker.bytes} B minified${tracker.changed ? ' (lambdas/track/tracker-script.ts regenerated: commit it)' : ''}`,
  );
  if (tracker.gzip > TRACKER_BUDGET_GZIP_BYTES) {
    console.error('The browser tracker is over its budget.');
    process.exitCode = 1;
  }
  if (load.total > BUDGET_GZIP_BYTES) {
    console.error('The dashboard is over its budget.');
    process.exitCode = 1;
  }
  if (!process.argv.includes('--no-timing')) {
    // Loaded here only: it starts the local twin and Chromium, which the bench's import of this file never needs.
    const { FIGURES_BUDGET_MS, timeToFigures } = await import('./time-to-figures.ts');
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    const t = await timeToFigures();
    const ms = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');
    if (typeof t === 'string') console.log(`Overview time to figures: ${t}`);
    else {
      // A timing, not a gate: it moves with the machine's load, printed beside it.
      console.log(
        `Overview time to figures (Chromium, npm start's handlers, ${t.events} demo events): median ${Math.round(t.median)} ms of a ${FIGURES_BUDGET_MS} ms budget${t.median > FIGURES_BUDGET_MS ? ' (OVER)' : ''}; loads ${ms(t.runs)} ms; of which the dashboard API answer, median ${Math.round(t.apiMedian)} ms (${ms(t.api)}); load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`,
      );
    }
  }
}
