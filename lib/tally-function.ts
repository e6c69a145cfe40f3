import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_ENTRIES, LAMBDA_ESBUILD, type LambdaName } from './bundling.ts';

/** The project root: entries and the lock file are resolved from here. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface TallyFunctionProps {
  /** Which Lambda of the project this is (its entry comes from `LAMBDA_ENTRIES`). */
  readonly name: LambdaName;
  readonly description: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default - none beyond NODE_OPTIONS */
  readonly environment?: Record<string, string>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * The house Lambda: Node 22 on arm64, one minified, tree-shaken ESM bundle with source maps built
 * from the options in `bundling.ts`, and a log group with bounded retention. Every Tally function
 * is one of these, so they are all built the same way.
 */
export class TallyFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: TallyFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    super(scope, id, {
      entry: join(PROJECT_ROOT, LAMBDA_ENTRIES[props.name]),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      projectRoot: PROJECT_ROOT,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        target: LAMBDA_ESBUILD.target,
        minify: LAMBDA_ESBUILD.minify,
        sourceMap: LAMBDA_ESBUILD.sourcemap,
        sourcesContent: LAMBDA_ESBUILD.sourcesContent,
        mainFields: [...LAMBDA_ESBUILD.mainFields],
        banner: LAMBDA_ESBUILD.banner,
        externalModules: [...LAMBDA_ESBUILD.external],
        bundleAwsSDK: true,
        esbuildArgs: {
          '--tree-shaking': String(LAMBDA_ESBUILD.treeShaking),
          '--legal-comments': LAMBDA_ESBUILD.legalComments,
          ...Object.fromEntries(
            Object.entries(LAMBDA_ESBUILD.logOverride).map(([k, v]) => [`--log-override:${k}`, v]),
          ),
        },
      },
    });
  }
}
