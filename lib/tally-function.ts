import { AssetHashType, DockerImage, Duration, type ILocalBundling } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  bundleLambda,
  LAMBDA_ENTRIES,
  LAMBDA_ENVIRONMENT,
  type LambdaName,
  PROJECT_ROOT,
} from './bundling.ts';
import { acknowledge } from './nag.ts';
import { type LogSettings, STAGES } from './stage.ts';

/**
 * Builds a function's asset on this machine with `bundleLambda`, the one build the benchmark
 * measures. Its field is what CDK's asset cache keys on, so each function gets its own asset.
 */
class LocalBundle implements ILocalBundling {
  constructor(readonly entry: string) {}

  tryBundle(outputDir: string): boolean {
    // Throws on a build error rather than returning false: there is no Docker fallback to try.
    bundleLambda({ entry: this.entry }, outputDir);
    return true;
  }
}

export interface TallyFunctionProps {
  /** Which Lambda of the project this is (its entry comes from `LAMBDA_ENTRIES`). */
  readonly name: LambdaName;
  readonly description: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default - none beyond `LAMBDA_ENVIRONMENT` */
  readonly environment?: Record<string, string>;
  /** Retention and removal of the function's log group. @default STAGES.prod.logs */
  readonly logs?: LogSettings;
}

/**
 * The house Lambda: Node 22 on arm64, a minified, tree-shaken ESM bundle split into an entry and
 * lazily loaded chunks, with source maps, built by `bundleLambda` (`bundling.ts`); a log group with
 * bounded retention, and a role that may write to that log group only (constructs grant the rest).
 * Every Tally function is one of these, so they are all built the same way.
 */
export class TallyFunction extends LambdaFunction {
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
      // The asset is the build's output, hashed as such (a change of source that does not change
      // the bundle deploys nothing). CDK's NodejsFunction cannot build it: it passes esbuild
      // `--outfile`, which code splitting refuses.
      code: Code.fromAsset(PROJECT_ROOT, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          local: new LocalBundle(LAMBDA_ENTRIES[props.name]),
          // Required by the type, never pulled: the local bundling above always runs or throws.
          image: DockerImage.fromRegistry('tally-bundles-locally'),
        },
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      role,
      environment: { ...LAMBDA_ENVIRONMENT, ...props.environment },
    });
    acknowledge(
      this,
      'Node 22 on purpose: the local twin, the tests and the benchmark run the same major (the `node` dev dependency); move them together',
      'L1',
    );
  }
}
