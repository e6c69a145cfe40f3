/**
 * The features a project declares for its feature-adoption report (docs/api-product-analytics.md):
 * a name and the event that means "used it", optionally only with a property filter. Without
 * declarations, the seed's examples apply.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { readDefinitions } from './definitions.ts';
import { propertyFilterSchema } from './properties.ts';

export const featureNameSchema = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^[A-Za-z0-9 _.:-]{1,64}$/, 'must be 1-64 letters, digits, spaces, ".", "_", ":" or "-"'),
);

export const featureSchema = v.strictObject({
  name: featureNameSchema,
  event: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1),
    v.maxLength(200),
    v.description('The event name (track event, page or screen name) that counts as a use'),
  ),
  filter: v.optional(propertyFilterSchema),
});
export type Feature = v.InferOutput<typeof featureSchema>;

/** The seed's feature examples, used while a project declares none. */
export const DEFAULT_FEATURES: readonly Feature[] = [
  { name: 'Deploy Application', event: 'deployment.completed' },
  { name: 'Create Service', event: 'service.created' },
  { name: 'Chat', event: 'message.sent' },
  { name: 'Start Conversation', event: 'conversation.started' },
  { name: 'API', event: 'api.request' },
];

export interface FeatureList {
  features: Feature[];
  /** True when the project declared none and the defaults apply. */
  defaults: boolean;
}

/** The project's declared features (by name), or the defaults: one Query. */
export async function readFeatures(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  projectId: string,
): Promise<FeatureList> {
  const declared = await readDefinitions<Feature>(ddb, tableName, projectId, 'feature');
  return declared.length
    ? { features: declared, defaults: false }
    : { features: [...DEFAULT_FEATURES], defaults: true };
}
