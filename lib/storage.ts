import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { STORAGE } from '../lambdas/contract/config/storage.ts';
import { TABLE } from '../lambdas/contract/table.ts';

export interface TallyStorageProps {
  /** @default RemovalPolicy.RETAIN: analytics history outlives a stack. */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The one table (docs/architecture.md "Storage layout"): on-demand, point-in-time recovery, TTL
 * on `ttl`.
 */
export class TallyStorage extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: TallyStorageProps = {}) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE.ttlAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  /** Gives a function the table's name and the access it needs, in one step. */
  connect(
    fn: IFunction & { addEnvironment(k: string, v: string): unknown },
    access: 'read' | 'readWrite',
  ) {
    fn.addEnvironment(STORAGE.tableName.env, this.table.tableName);
    if (access === 'read') this.table.grantReadData(fn);
    else this.table.grantReadWriteData(fn);
  }
}
