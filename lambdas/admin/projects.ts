/** Projects: created on first use (a write key for a new project creates it) and listed per token. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../shared/keys.ts';

/** Creates the project's item unless it exists. */
export async function ensureProject(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  name: string,
): Promise<void> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.project(projectId), projectId, name, createdAt: new Date().toISOString() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...keys.projectIndex(projectId),
          projectId,
          name,
          createdAt: new Date().toISOString(),
        },
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
  }
}

export interface ProjectSummary {
  projectId: string;
  name: string;
  createdAt: string;
}

/** Every project, or those of `only` (a token's list). */
export async function listProjects(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  only: string[] | undefined,
): Promise<ProjectSummary[]> {
  const out: ProjectSummary[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.projectIndex('').pk },
        ExclusiveStartKey: start,
      }),
    );
    for (const i of res.Items ?? []) {
      out.push({
        projectId: i.projectId as string,
        name: i.name as string,
        createdAt: i.createdAt as string,
      });
    }
    start = res.LastEvaluatedKey;
  } while (start);
  return only ? out.filter((p) => only.includes(p.projectId)) : out;
}
