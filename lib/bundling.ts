/**
 * How every Lambda is bundled. The house function construct and `npm run build` (which reports
 * sizes and feeds the cold-start benchmark) both use these, so the measured bundle is the deployed one.
 */

/** Each function's entry, relative to the project root. */
export const LAMBDA_ENTRIES = {
  track: 'lambdas/track/handler.ts',
  ingest: 'lambdas/ingest/handler.ts',
  admin: 'lambdas/admin/handler.ts',
  rollup: 'lambdas/rollup/handler.ts',
} as const;

export type LambdaName = keyof typeof LAMBDA_ENTRIES;

/** Node's `require` inside an ESM bundle, for the few CommonJS dependencies that call it. */
export const ESM_REQUIRE_BANNER =
  "import{createRequire as __tallyCreateRequire}from'node:module';const require=__tallyCreateRequire(import.meta.url);";

/** esbuild options shared by CDK's NodejsFunction and the build script. */
export const LAMBDA_ESBUILD = {
  target: 'node22',
  platform: 'node',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  treeShaking: true,
  legalComments: 'none',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  /** Bundle the AWS SDK too: one file loads faster than the runtime's copy, and its version is ours. */
  external: [] as string[],
  /** `sentiment` lists its language files with a dynamic require; English is imported directly. */
  logOverride: { 'empty-glob': 'silent' },
} as const;
