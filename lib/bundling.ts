/**
 * How every Lambda is bundled, in one function: the house function construct builds its asset
 * with `bundleLambda`, and so do `npm run build` (which reports sizes) and the cold-start
 * benchmark (bundles and floors alike), so the measured bundle is byte for byte the deployed one.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, buildSync, type Metafile } from 'esbuild';

/** The project root: entries and the floors' imports are resolved from here. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Each function's entry, relative to the project root. */
export const LAMBDA_ENTRIES = {
  track: 'lambdas/track/handler.ts',
  ingest: 'lambdas/ingest/handler.ts',
  admin: 'lambdas/admin/handler.ts',
  rollup: 'lambdas/rollup/handler.ts',
} as const;

export type LambdaName = keyof typeof LAMBDA_ENTRIES;

/**
 * The environment every deployed function starts with (the construct adds its own variables);
 * the cold-start benchmark starts its processes with it too, so it measures init as deployed.
 * No `NODE_OPTIONS=--enable-source-maps`: Node then reads and parses the map of every module it
 * loads, which made track's module init 13 % longer (docs/performance.md "Cold start"). The maps
 * stay in the asset; `npm run decode-stack` maps a logged stack trace back to the sources.
 */
export const LAMBDA_ENVIRONMENT: Readonly<Record<string, string>> = {};

/** Node's `require` inside an ESM bundle, for the few CommonJS dependencies that call it. */
export const ESM_REQUIRE_BANNER =
  "import{createRequire as __tallyCreateRequire}from'node:module';const require=__tallyCreateRequire(import.meta.url);";

/** The file the runtime imports: the handler is `index.handler`. */
export const ENTRY_FILE = 'index.mjs';

/**
 * esbuild options of every Lambda bundle. Code splitting turns each dynamic `import()` (ours,
 * such as jose on the first token, and the AWS SDK's, such as the credential providers) into a
 * chunk of its own that Node reads and compiles only when the import runs, not at module init.
 */
export const LAMBDA_ESBUILD = {
  target: 'node22',
  platform: 'node',
  format: 'esm',
  bundle: true,
  splitting: true,
  entryNames: 'index',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  treeShaking: true,
  legalComments: 'none',
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  /** Bundle the AWS SDK too: it loads faster from our bundle than the runtime's copy, and its version is ours. */
  external: [],
  /** `sentiment` lists its language files with a dynamic require; English is imported directly. */
  logOverride: { 'empty-glob': 'silent' },
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** What to bundle: a function's entry (relative to the project root), or source text (a floor). */
export type BundleSource =
  | { readonly entry: string }
  | { readonly contents: string; readonly sourcefile: string };

export interface Bundle {
  /** The entry file, `<dir>/index.mjs`. */
  file: string;
  /** Bytes Node reads and compiles at module init: the entry and the chunks it imports statically. */
  bytes: number;
  /** Bytes in chunks loaded only when a dynamic `import()` runs. */
  lazyBytes: number;
  /** Every JavaScript file written, relative to the output directory (a map beside each). */
  files: string[];
  /** Those of `files` loaded at module init. */
  atInit: string[];
  /**
   * The chunk each dynamic `import()` of our code (lambdas/) became, by what it loads: a
   * package's name (`jose`) or a source path (`lambdas/track/user-agent.ts`).
   */
  lazyModules: Record<string, string>;
}

/**
 * Where esbuild is told the bundle goes, whatever directory it is written to: chunk names hash
 * the source maps, whose paths are relative to the output, so the same source gives the same
 * files in CDK's staging directory, in dist/ and in the benchmark's.
 */
export const CANONICAL_OUTDIR = 'dist/bundle';

/** Bundles `source` into `outDir` (emptied first) with the house options; synchronous, as CDK's local bundling must be. */
export function bundleLambda(source: BundleSource, outDir: string): Bundle {
  const dir = resolve(outDir);
  const input: BuildOptions =
    'entry' in source
      ? { entryPoints: [join(PROJECT_ROOT, source.entry)] }
      : {
          stdin: {
            contents: source.contents,
            sourcefile: source.sourcefile,
            resolveDir: PROJECT_ROOT,
            loader: 'ts',
          },
        };
  const { metafile, outputFiles } = buildSync({
    ...LAMBDA_ESBUILD,
    mainFields: [...LAMBDA_ESBUILD.mainFields],
    external: [...LAMBDA_ESBUILD.external],
    outExtension: { ...LAMBDA_ESBUILD.outExtension },
    banner: { ...LAMBDA_ESBUILD.banner },
    logOverride: { ...LAMBDA_ESBUILD.logOverride },
    ...input,
    absWorkingDir: PROJECT_ROOT,
    outdir: join(PROJECT_ROOT, CANONICAL_OUTDIR),
    metafile: true,
    write: false,
  });
  rmSync(dir, { recursive: true, force: true });
  const sizes = new Map<string, number>();
  for (const out of outputFiles) {
    const name = relative(join(PROJECT_ROOT, CANONICAL_OUTDIR), out.path);
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), out.contents);
    if (!name.endsWith('.map')) sizes.set(name, out.contents.byteLength);
  }
  const name = (metaPath: string) => relative(CANONICAL_OUTDIR, metaPath);
  const atInit = [...staticClosure(metafile, join(CANONICAL_OUTDIR, ENTRY_FILE))].map(name);
  let bytes = 0;
  for (const f of atInit) bytes += sizes.get(f) ?? 0;
  let all = 0;
  for (const n of sizes.values()) all += n;
  // The targets of our own code's dynamic imports (the SDK has its own, which floors share).
  const ours = new Set(
    Object.entries(metafile.inputs)
      .filter(([path]) => path.startsWith('lambdas/'))
      .flatMap(([, input]) => input.imports.filter((i) => i.kind === 'dynamic-import'))
      .map((i) => i.path),
  );
  const lazyModules: Record<string, string> = {};
  for (const [path, out] of Object.entries(metafile.outputs)) {
    if (!out.entryPoint || !ours.has(out.entryPoint)) continue;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(out.entryPoint)?.[1];
    lazyModules[pkg ?? out.entryPoint] = name(path);
  }
  return {
    file: join(dir, ENTRY_FILE),
    bytes,
    lazyBytes: all - bytes,
    files: [...sizes.keys()].sort(),
    atInit: atInit.sort(),
    lazyModules,
  };
}

/** The outputs `entry` loads before it runs: itself and what it imports statically, transitively. */
function staticClosure(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    if (seen.has(f)) continue;
    seen.add(f);
    for (const i of metafile.outputs[f]?.imports ?? []) {
      if (i.kind === 'import-statement' && !i.external) todo.push(i.path);
    }
  }
  return seen;
}
