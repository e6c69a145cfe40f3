/** Builds the static dashboard into `outDir` with esbuild: one minified script, the HTML and CSS. */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildSync } from 'esbuild';

const WEB_DIR = dirname(fileURLToPath(import.meta.url));
const STATIC_FILES = ['index.html', 'styles.css'];

function options(outDir: string) {
  return {
    entryPoints: [join(WEB_DIR, 'app.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm' as const,
    target: ['es2022'],
    logLevel: 'silent' as const,
  };
}

function copyStatic(outDir: string) {
  mkdirSync(outDir, { recursive: true });
  for (const f of STATIC_FILES) copyFileSync(join(WEB_DIR, f), join(outDir, f));
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
