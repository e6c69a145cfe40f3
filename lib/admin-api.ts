import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { TallyAuth } from './auth.ts';
import type { TallyStorage } from './storage.ts';
import { TallyFunction } from './tally-function.ts';

export interface TallyAdminApiProps {
  readonly storage: TallyStorage;
  readonly auth: TallyAuth;
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
      environment: props.auth.environment,
    });
    // Read for reports; write for write-key management.
    props.storage.connect(this.adminFunction, 'readWrite');
  }
}
