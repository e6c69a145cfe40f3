import { type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { ROLLUP, type RollupConfig } from '../lambdas/contract/config/rollup.ts';
import { envOf, resolve } from '../lambdas/contract/config/setting.ts';
import { INGEST_TIMEOUT } from './ingestion.ts';
import { acknowledge, nagArn } from './nag.ts';
import type { LogSettings } from './stage.ts';
import type { TallyStorage } from './storage.ts';
import { TallyFunction } from './tally-function.ts';

/** The shortest settle allowed: the ingest timeout with a 30 s margin. */
const MIN_SETTLE_SECONDS = INGEST_TIMEOUT.toSeconds() + 30;

export interface TallyRollupProps {
  readonly storage: TallyStorage;
  /** How long after a live bucket ends it may still be written to; above the ingest timeout. @default Duration.minutes(2) */
  readonly settle?: Duration;
  /** Days the nightly rebuild covers. @default 3 */
  readonly nightlyDays?: number;
  /** The hourly job: fold the live layer cheaply, or rebuild today from raw events. @default 'compact' */
  readonly hourly?: RollupConfig['hourly'];
  /** @default STAGES.prod.logs */
  readonly logs?: LogSettings;
}

/**
 * The rollup: a function that rebuilds exact daily figures from raw events, run by EventBridge
 * Scheduler every hour (a compaction of yesterday and today: the live layer folded in, from facts)
 * and every night (a rebuild of today and the `nightlyDays` before, from raw events, which also
 * folds late events into closed days). Invoke it with `{"from":"YYYY-MM-DD","to":"…"}` to backfill.
 */
export class TallyRollup extends Construct {
  readonly rollupFunction: TallyFunction;
  /** The CloudWatch namespace of Tally's own metrics (the rollup's, the log metric filters'): one per stack. */
  readonly metricsNamespace: string;
  /** Environment the admin function needs to run the same rollup on demand. */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: TallyRollupProps) {
    super(scope, id);
    const settleSeconds = resolve(ROLLUP.settleSeconds, props.settle?.toSeconds(), 'settle (s)');
    if (settleSeconds < MIN_SETTLE_SECONDS) {
      throw new Error(
        `settle must exceed the ingest timeout (${INGEST_TIMEOUT.toSeconds()} s) with margin: at least ${MIN_SETTLE_SECONDS} s, got ${settleSeconds} s`,
      );
    }
    const nightlyDays = resolve(ROLLUP.nightlyDays, props.nightlyDays, 'nightlyDays');
    this.metricsNamespace = `Tally/${Stack.of(this).stackName}`;
    this.environment = {
      ...envOf(ROLLUP.settleSeconds, settleSeconds),
      ...envOf(ROLLUP.nightlyDays, nightlyDays),
      ...envOf(ROLLUP.hourly, resolve(ROLLUP.hourly, props.hourly, 'hourly')),
    };
    this.rollupFunction = new TallyFunction(this, 'Rollup', {
      name: 'rollup',
      description: 'Rebuilds exact daily statistics from raw events',
      memorySize: 1024,
      timeout: Duration.minutes(15),
      environment: { ...this.environment, POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace },
      ...(props.logs ? { logs: props.logs } : {}),
    });
    props.storage.connect(this.rollupFunction, 'readWrite');

    // One role for both schedules, allowed to invoke this function only.
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    acknowledge(
      schedulerRole,
      "The scheduler target's grant: this one function and its versions (`:*`)",
      `IAM5[Resource::${nagArn(this.rollupFunction.node.defaultChild as CfnResource)}:*]`,
    );

    new Schedule(this, 'Hourly', {
      description: 'Compact (or rebuild) yesterday and today',
      schedule: ScheduleExpression.cron({ minute: '7' }),
      target: new LambdaInvoke(this.rollupFunction, {
        input: ScheduleTargetInput.fromObject({ mode: 'hourly' }),
        retryAttempts: 2,
        role: schedulerRole,
      }),
    });
    new Schedule(this, 'Nightly', {
      description: `Rebuild the last ${nightlyDays} days`,
      schedule: ScheduleExpression.cron({ hour: '2', minute: '37' }),
      target: new LambdaInvoke(this.rollupFunction, {
        input: ScheduleTargetInput.fromObject({ mode: 'nightly' }),
        retryAttempts: 2,
        role: schedulerRole,
      }),
    });
  }
}
