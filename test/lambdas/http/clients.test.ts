import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  documentClient,
  eventBridgeClient,
  SDK_LOGGER_MIDDLEWARE,
  withoutSdkLogging,
} from '../../../lambdas/http/clients.ts';

const steps = (client: { middlewareStack: { identify(): string[] } }) =>
  client.middlewareStack.identify().map((s) => s.split(' ')[0]);

describe('SDK clients', () => {
  it('the SDK still adds its logger step under the name removed (a rename would fail here)', () => {
    for (const client of [new DynamoDBClient({}), new EventBridgeClient({}), new SQSClient({})]) {
      expect(steps(client)).toContain(SDK_LOGGER_MIDDLEWARE);
    }
  });

  it('every client the handlers make has no logger step, and keeps the others', () => {
    const plain = steps(new DynamoDBClient({}));
    const ours = steps(documentClient({ dynamodbEndpoint: 'http://localhost:1' }));
    expect(ours).not.toContain(SDK_LOGGER_MIDDLEWARE);
    expect(ours).toEqual(plain.filter((s) => s !== SDK_LOGGER_MIDDLEWARE));
    expect(steps(eventBridgeClient(undefined))).not.toContain(SDK_LOGGER_MIDDLEWARE);
    expect(steps(withoutSdkLogging(new SQSClient({})))).not.toContain(SDK_LOGGER_MIDDLEWARE);
  });
});
