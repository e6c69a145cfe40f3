/** Projects: created on first use (a write key for a new project creates it) and listed per token. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/keys.ts';
import { putIfAbsent, queryAll } from './dynamo.ts';

/** Creates the project's item unless it exists. */
export async function ensureProject(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  name: string,
): Promise<void> {
  const project = { projectId, name, createdAt: new Date().toISOString() };
  if (!(await putIfAbsent(ddb, tableName, { ...keys.project(projectId), ...project }))) return;
  await ddb.send(
    new PutCommand({ TableName: tableName, Item: { ...keys.projectIndex(projectId), ...project } }),
  );
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
  const items = await queryAll(ddb, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.projectIndex('').pk },
  });
  const out = items.map((i) => ({
    projectId: i.projectId as string,
    name: i.name as string,
    createdAt: i.createdAt as string,
  }));
  return only ? out.filter((p) => only.includes(p.projectId)) : out;
}
