/** Builds the static dashboard into `outDir` with esbuild: one minified script, the HTML and CSS. */
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildSync } from 'esbuild';

const WEB_DIR = dirname(fileURLToPath(import.meta.url));
const STATIC_FILES = ['index.html', 'styles.css', 'docs.html', 'docs.js'];
/** Swagger UI, from the swagger-ui-dist package, for the API reference page (docs.html). */
const SWAGGER_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css'];

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
