import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ENV, type ModelPrice } from '../lambdas/contract/config.ts';
import type { TallyAuth } from './auth.ts';
import type { TallyRollup } from './rollup.ts';
import type { TallyStorage } from './storage.ts';
import { TallyFunction } from './tally-function.ts';

export interface TallyAdminApiProps {
  readonly storage: TallyStorage;
  readonly auth: TallyAuth;
  /** The rollup whose settings `POST …/metrics/refresh` runs with. */
  readonly rollup: TallyRollup;
  /** Sentiment of message insights: in process, or Amazon Comprehend. @default 'lexicon' */
  readonly sentimentProvider?: 'lexicon' | 'comprehend';
  /** USD per million tokens by model, as JSON (TALLY_TOKEN_PRICES). @default - the example table in config.ts */
  readonly tokenPrices?: Readonly<Record<string, ModelPrice>>;
}

/** The read path: the admin function, verifying JWTs with jose, reading aggregates and managing write keys. */
export class TallyAdminApi extends Construct {
  readonly adminFunction: TallyFunction;

  constructor(scope: Construct, id: string, props: TallyAdminApiProps) {
    super(scope, id);
    this.adminFunction = new TallyFunction(this, 'Admin', {
      name: 'admin',
      description: 'Admin API: reports from counters and rollups, JWT-protected',
      memorySize: 512,
      timeout: Duration.seconds(29),
      environment: {
        ...props.auth.environment,
        ...props.rollup.environment,
        [ENV.sentimentProvider]: props.sentimentProvider ?? 'lexicon',
        ...(props.tokenPrices ? { [ENV.tokenPrices]: JSON.stringify(props.tokenPrices) } : {}),
      },
    });
    // Read for reports; write for write keys and for the on-demand rollup.
    props.storage.connect(this.adminFunction, 'readWrite');
    if (props.sentimentProvider === 'comprehend') {
      this.adminFunction.addToRolePolicy(
        new PolicyStatement({ actions: ['comprehend:BatchDetectSentiment'], resources: ['*'] }),
      );
    }
  }
}
