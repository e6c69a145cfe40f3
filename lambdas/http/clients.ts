/** SDK clients, created once per cold start by the handlers (module scope) and reused. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StorageConfig } from '../contract/config/storage.ts';

export function documentClient(storage: Pick<StorageConfig, 'dynamodbEndpoint'>) {
  const client = new DynamoDBClient(
    storage.dynamodbEndpoint ? { endpoint: storage.dynamodbEndpoint } : {},
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function eventBridgeClient(endpoint: string | undefined) {
  return new EventBridgeClient(endpoint ? { endpoint } : {});
}
