/**
 * Builds the static dashboard into `outDir` with esbuild: the app (app.js + app.css), the
 * embeddable side panel (tally-panel.js, one self-contained script), the HTML, CSS and icons.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, buildSync } from 'esbuild';

const WEB_DIR = dirname(fileURLToPath(import.meta.url));
const STATIC_FILES = [
  'index.html',
  'styles.css',
  'docs.html',
  'docs.js',
  'favicon.ico',
  'favicon.svg',
];
/** Swagger UI, from the swagger-ui-dist package, for the API reference page (docs.html). */
const SWAGGER_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css'];
/** What the browser loads before the first figure: the budget (docs/dashboard.md) covers these. */
export const INITIAL_FILES = ['app.js', 'app.css', 'styles.css', 'index.html'];
export const BUDGET_GZIP_BYTES = 100 * 1024;

function options(outDir: string) {
  return {
    entryPoints: { app: join(WEB_DIR, 'app.ts'), 'tally-panel': join(WEB_DIR, 'panel-entry.ts') },
    outdir: outDir,
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm' as const,
    target: ['es2022'],
    logLevel: 'silent' as const,
  };
}

function copyStatic(outDir: string) {
  mkdirSync(join(outDir, 'swagger'), { recursive: true });
  for (const f of STATIC_FILES) copyFileSync(join(WEB_DIR, f), join(outDir, f));
  const swagger = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  for (const f of SWAGGER_FILES) copyFileSync(join(swagger, f), join(outDir, 'swagger', f));
}

export async function buildWeb(outDir: string): Promise<void> {
  copyStatic(outDir);
  await build(options(outDir));
}

/** Synchronous variant, for CDK's local asset bundling (which cannot await). */
export function buildWebSync(outDir: string): void {
  copyStatic(outDir);
  buildSync(options(outDir));
}

/** Gzipped bytes of each file the first screen loads, and their sum. */
export function initialLoad(outDir: string): { files: Record<string, number>; total: number } {
  const files = Object.fromEntries(
    INITIAL_FILES.map((f) => [f, gzipSync(readFileSync(join(outDir, f)), { level: 9 }).length]),
  );
  return { files, total: Object.values(files).reduce((a, b) => a + b, 0) };
}
