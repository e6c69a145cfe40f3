/**
 * Deployment stages (`-c stage=dev|prod`): what a stack keeps when it is deleted, and how long its
 * logs live. Stateful resources (the table, the user pool) follow `removalPolicy` and
 * `deletionProtection`; every log (function logs, API access logs, S3 and CloudFront access logs)
 * follows `logs`.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export const STAGE_NAMES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** How long logs live and what happens to them when the stack is deleted. */
export interface LogSettings {
  readonly retention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export interface StageSettings {
  readonly name: StageName;
  /** The table and the user pool, when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /** The table and the user pool refuse deletion (turn it off by hand to delete them). */
  readonly deletionProtection: boolean;
  readonly logs: LogSettings;
}

export const STAGES: Readonly<Record<StageName, StageSettings>> = {
  /** A stack to try things in: deleting it deletes everything, logs live a week. */
  dev: {
    name: 'dev',
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    logs: { retention: RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY },
  },
  /** The default: analytics history and its users outlive the stack, logs live three months. */
  prod: {
    name: 'prod',
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    logs: { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN },
  },
};

/** The default stage: a stack deployed without `-c stage` keeps its data. */
export const DEFAULT_STAGE: StageName = 'prod';

/** A stage by name; throws on anything but `dev` or `prod`, naming `what` and showing the value. */
export function stageSettings(name: string = DEFAULT_STAGE, what = 'stage'): StageSettings {
  if (!(STAGE_NAMES as readonly string[]).includes(name)) {
    throw new Error(
      `${what} must be one of ${STAGE_NAMES.join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  return STAGES[name as StageName];
}
