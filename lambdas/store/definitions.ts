/**
 * What a project declares for its product reports (docs/api-product-analytics.md): features,
 * experiments and funnels. Each kind has a valibot schema (which validates the request body and documents
 * it); each declaration is one item under the project, `P#<project>` / `DEF#<kind>#<name>`, its
 * body in `def`.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DEFINITION_PREFIX, keys } from '../contract/keys.ts';
import { NotFoundError, ValidationError } from '../model/errors.ts';
import { queryAll } from './dynamo.ts';

export type DefinitionKind = 'feature' | 'experiment' | 'funnel';

/** A project declares at most this many of each kind. */
export const MAX_DEFINITIONS = 50;

/** The declarations of one kind, in name order: one Query. */
export async function readDefinitions<T>(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  kind: DefinitionKind,
): Promise<T[]> {
  const items = await queryAll(ddb, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
    ExpressionAttributeValues: {
      ':pk': keys.definition(projectId, kind, '').pk,
      ':p': `${DEFINITION_PREFIX}${kind}#`,
    },
  });
  // Stored as JSON text (older items: as a map): a filter's number need not fit DynamoDB's.
  return items.map((i) => (typeof i.def === 'string' ? JSON.parse(i.def) : i.def) as T);
}

/** Declares (or replaces) `name`; refuses a new one beyond MAX_DEFINITIONS. */
export async function putDefinition<T>(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  kind: DefinitionKind,
  name: string,
  def: T,
  now: Date,
): Promise<T> {
  const existing = await readDefinitions<{ name?: string; id?: string }>(
    ddb,
    tableName,
    projectId,
    kind,
  );
  const known = existing.some((d) => (d.name ?? d.id) === name);
  if (!known && existing.length >= MAX_DEFINITIONS) {
    throw new ValidationError(`a project declares at most ${MAX_DEFINITIONS} ${kind}s`);
  }
  await ddb.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.definition(projectId, kind, name),
        def: JSON.stringify(def),
        updatedAt: now.toISOString(),
      },
    }),
  );
  return def;
}

/** Removes a declaration (404 when there is none of that name). */
export async function deleteDefinition(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
  kind: DefinitionKind,
  name: string,
): Promise<void> {
  try {
    await ddb.send(
      new DeleteCommand({
        TableName: tableName,
        Key: keys.definition(projectId, kind, name),
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  } catch (err) {
    if ((err as { name?: string }).name === 'ConditionalCheckFailedException') {
      throw new NotFoundError(`no ${kind} named ${JSON.stringify(name)}`);
    }
    throw err;
  }
}
