/**
 * `-c stage=dev|prod`: what a deleted stack keeps and how long logs live; and the logical ids of
 * the stateful resources, pinned, so that a refactor cannot make CloudFormation replace the table,
 * the user pool, the queues or the archive (a replacement starts them empty).
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { stageSettings } from '../../lib/stage.ts';
import { synthTally } from '../helpers/cdk.ts';

type Resource = {
  Type: string;
  DeletionPolicy?: string;
  Properties: Record<string, unknown>;
};
let prod: Template;
let dev: Template;
const ofType = (t: Template, type: string) => Object.values(t.findResources(type)) as Resource[];

beforeAll(() => {
  prod = synthTally();
  dev = synthTally({ stage: 'dev' });
}, 120_000);

describe('stages', () => {
  it('prod (the default) retains and protects the table and the user pool, and keeps logs 90 days', () => {
    const [table] = ofType(prod, 'AWS::DynamoDB::GlobalTable');
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.Properties.Replicas).toEqual([
      expect.objectContaining({ DeletionProtectionEnabled: true }),
    ]);
    const [pool] = ofType(prod, 'AWS::Cognito::UserPool');
    expect(pool).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { DeletionProtection: 'ACTIVE' },
    });
    const logGroups = ofType(prod, 'AWS::Logs::LogGroup');
    expect(logGroups).toHaveLength(5); // four functions and the API's access log
    for (const g of logGroups) {
      expect(g).toMatchObject({ DeletionPolicy: 'Retain', Properties: { RetentionInDays: 90 } });
    }
  });

  it('dev deletes everything with the stack and keeps logs a week', () => {
    const [table] = ofType(dev, 'AWS::DynamoDB::GlobalTable');
    expect(table?.DeletionPolicy).toBe('Delete');
    expect(table?.Properties.Replicas).toEqual([
      expect.objectContaining({ DeletionProtectionEnabled: false }),
    ]);
    const [pool] = ofType(dev, 'AWS::Cognito::UserPool');
    expect(pool).toMatchObject({
      DeletionPolicy: 'Delete',
      Properties: { DeletionProtection: 'INACTIVE' },
    });
    for (const g of ofType(dev, 'AWS::Logs::LogGroup')) {
      expect(g).toMatchObject({ DeletionPolicy: 'Delete', Properties: { RetentionInDays: 7 } });
    }
    // The log bucket is emptied and deleted; its objects expire after a week meanwhile.
    const logBucket = ofType(dev, 'AWS::S3::Bucket').find(
      (b) => b.Properties.LifecycleConfiguration,
    );
    expect(logBucket).toMatchObject({
      DeletionPolicy: 'Delete',
      Properties: {
        LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 7 })] },
      },
    });
    expect(
      Object.keys(dev.findResources('Custom::S3AutoDeleteObjects')).map((id) =>
        id.replace(/[0-9A-F]{8}$/, ''),
      ),
    ).toEqual(expect.arrayContaining(['DashboardLogsAutoDeleteObjectsCustomResource']));
  });

  it('refuses a stage it does not know, naming it', () => {
    expect(() => stageSettings('staging')).toThrow(/stage must be one of dev, prod, got "staging"/);
  });

  it.each([
    ['prod', () => prod],
    ['dev', () => dev],
  ])('keeps the logical ids of the stateful resources (%s)', (_, template) => {
    const ids = (type: string) => Object.keys(template().findResources(type)).sort();
    expect({
      table: ids('AWS::DynamoDB::GlobalTable'),
      userPool: ids('AWS::Cognito::UserPool'),
      bus: ids('AWS::Events::EventBus'),
      archive: ids('AWS::Events::Archive'),
      queues: ids('AWS::SQS::Queue'),
      buckets: ids('AWS::S3::Bucket'),
    }).toEqual({
      table: ['StorageTableB43FDCE7'],
      userPool: ['AuthUserPool8115E87F'],
      bus: ['IngestionBus3E30EA7C'],
      archive: ['IngestionBusArchiveD3A2CA0C'],
      queues: [
        'IngestionDeadLetterQueueEB97306D',
        'IngestionIngestQueue6FC9FC20',
        'IngestionRejectedQueueB8C1DCBB',
      ],
      buckets: ['DashboardBucketA782FB5B', 'DashboardLogs23743279'],
    });
  });
});
