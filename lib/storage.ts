import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableClass, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { STORAGE } from '../lambdas/contract/config/storage.ts';
import { TABLE } from '../lambdas/contract/table.ts';

export interface TallyStorageProps {
  /** @default RemovalPolicy.RETAIN: analytics history outlives a stack. */
  readonly removalPolicy?: RemovalPolicy;
  /** The table refuses `DeleteTable` until this is turned off. @default true */
  readonly deletionProtection?: boolean;
  /**
   * Standard-IA stores for 40 % of Standard's price and charges 25 % more per request: cheaper
   * once events are kept longer than about three months (docs/performance.md, "Table class").
   * @default TableClass.STANDARD_INFREQUENT_ACCESS
   */
  readonly tableClass?: TableClass;
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
      tableClass: props.tableClass ?? TableClass.STANDARD_INFREQUENT_ACCESS,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE.ttlAttribute,
      deletionProtection: props.deletionProtection ?? true,
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
