import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  ADMIN,
  INSIGHTS,
  type ModelPrice,
  type SentimentProviderName,
} from '../lambdas/contract/config/admin.ts';
import { envOf, resolve } from '../lambdas/contract/config/setting.ts';
import type { TallyAuth } from './auth.ts';
import { acknowledge } from './nag.ts';
import type { TallyRollup } from './rollup.ts';
import type { LogSettings } from './stage.ts';
import type { TallyStorage } from './storage.ts';
import { TallyFunction } from './tally-function.ts';

export interface TallyAdminApiProps {
  readonly storage: TallyStorage;
  readonly auth: TallyAuth;
  /** The rollup whose settings `POST …/metrics/refresh` runs with. */
  readonly rollup: TallyRollup;
  /** Sentiment of message insights: in process, or Amazon Comprehend. @default 'lexicon' */
  readonly sentimentProvider?: SentimentProviderName;
  /** USD per million tokens by model (TALLY_TOKEN_PRICES). @default - the example table in lambdas/contract/config/admin.ts */
  readonly tokenPrices?: Readonly<Record<string, ModelPrice>>;
  /** @default STAGES.prod.logs */
  readonly logs?: LogSettings;
}

/** The read path: the admin function, verifying JWTs with jose, reading aggregates and managing write keys. */
export class TallyAdminApi extends Construct {
  readonly adminFunction: TallyFunction;

  constructor(scope: Construct, id: string, props: TallyAdminApiProps) {
    super(scope, id);
    const sentimentProvider = resolve(
      INSIGHTS.sentimentProvider,
      props.sentimentProvider,
      'sentimentProvider',
    );
    // Only a table given here is written into the environment; else the function's default.
    const tokenPrices =
      props.tokenPrices && resolve(ADMIN.tokenPrices, props.tokenPrices, 'tokenPrices');
    this.adminFunction = new TallyFunction(this, 'Admin', {
      name: 'admin',
      description: 'Admin API: reports from counters and rollups, JWT-protected',
      memorySize: 512,
      timeout: Duration.seconds(29),
      environment: {
        ...props.auth.environment,
        ...props.rollup.environment,
        ...envOf(INSIGHTS.sentimentProvider, sentimentProvider),
        ...(tokenPrices ? envOf(ADMIN.tokenPrices, tokenPrices) : {}),
      },
      ...(props.logs ? { logs: props.logs } : {}),
    });
    // Read for reports; write for write keys and for the on-demand rollup.
    props.storage.connect(this.adminFunction, 'readWrite');
    if (sentimentProvider === 'comprehend') {
      // Comprehend's sentiment actions have no resource-level permissions: `*` is the only scope.
      this.adminFunction.addToRolePolicy(
        new PolicyStatement({
          actions: ['comprehend:DetectSentiment', 'comprehend:BatchDetectSentiment'],
          resources: ['*'],
        }),
      );
      acknowledge(
        this.adminFunction.role ?? this,
        'comprehend:BatchDetectSentiment has no resource-level permissions: its resource is always *',
        'IAM5[Resource::*]',
      );
    }
  }
}
