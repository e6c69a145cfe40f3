import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_ENTRIES, LAMBDA_ESBUILD, type LambdaName } from './bundling.ts';
import { acknowledge } from './nag.ts';
import { type LogSettings, STAGES } from './stage.ts';

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
  /** Retention and removal of the function's log group. @default STAGES.prod.logs */
  readonly logs?: LogSettings;
}

/**
 * The house Lambda: Node 22 on arm64, one minified, tree-shaken ESM bundle with source maps built
 * from the options in `bundling.ts`, a log group with bounded retention, and a role that may
 * write to that log group only (constructs grant the rest). Every Tally function is one of these,
 * so they are all built the same way.
 */
export class TallyFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: TallyFunctionProps) {
    const logs = props.logs ?? STAGES.prod.logs;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: logs.retention,
      removalPolicy: logs.removalPolicy,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): this log group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Tally ${props.name} function`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: join(PROJECT_ROOT, LAMBDA_ENTRIES[props.name]),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      role,
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
    acknowledge(
      this,
      'Node 22 on purpose: the local twin, the tests and the benchmark run the same major (the `node` dev dependency); move them together',
      'L1',
    );
  }
}
