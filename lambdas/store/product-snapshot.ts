/**
 * The product figures `GET /metrics` exposes (feature adoption, experiments, segments, funnels;
 * docs/operations.md "Product metrics"), as last computed from the reports: one item per project,
 * `P#<project>` / `SNAPSHOT#product`, so a scrape reads one small item instead of every report's
 * days × users.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/keys.ts';
import { isConditionFailed } from './dynamo.ts';

/** What one snapshot holds: each family's samples, without labels for the project. */
export interface ProductSnapshot {
  /** When it was computed (ISO). */
  at: string;
  /** The window every figure covers: the last 30 UTC days to the snapshot's day, both included. */
  from: string;
  to: string;
  features: { name: string; usage: number; uniqueUsers: number; adoptionRate: number | null }[];
  /** Experiments running at `at`. */
  experiments: {
    id: string;
    significant: boolean;
    variants: { name: string; conversions: number | null; rate: number | null }[];
  }[];
  segments: { name: string; size: number; engagement: number | null }[];
  funnels: {
    name: string;
    conversionRate: number | null;
    steps: {
      step: number;
      event: string;
      completionRate: number | null;
      dropOffRate: number | null;
    }[];
  }[];
}

/**
 * Stores the snapshot unless a newer one is there (two scrapes may recompute at once: the later
 * computation wins, whichever write lands last).
 */
export async function writeSnapshot(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  snapshot: ProductSnapshot,
): Promise<void> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.productSnapshot(projectId), snapshot, at: snapshot.at },
        ConditionExpression: 'attribute_not_exists(#at) OR #at <= :at',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':at': snapshot.at },
      }),
    );
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
  }
}

/** The project's snapshot; undefined until a rollup has computed one. */
export async function readSnapshot(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
): Promise<ProductSnapshot | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: keys.productSnapshot(projectId) }),
  );
  return Item?.snapshot as ProductSnapshot | undefined;
}
