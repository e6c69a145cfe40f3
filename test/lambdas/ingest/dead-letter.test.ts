import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { sqsDeadLetter } from '../../../lambdas/ingest/dead-letter.ts';
import { sqsRecord, tallyEvent } from '../../helpers/events.ts';

describe('sqsDeadLetter', () => {
  it('sends the record body unchanged to the DLQ with its reason and origin as attributes', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'x' });
    const record = sqsRecord([tallyEvent()], { messageId: 'src-1', receiveCount: 5 });
    await sqsDeadLetter(new SQSClient({ region: 'us-east-1' }), 'https://sqs.test/dlq')(
      record,
      'storage failed: boom',
    );
    const calls = sqs.commandCalls(SendMessageCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      QueueUrl: 'https://sqs.test/dlq',
      MessageBody: record.body,
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: 'storage failed: boom' },
        sourceMessageId: { DataType: 'String', StringValue: 'src-1' },
        receiveCount: { DataType: 'Number', StringValue: '5' },
        failedAt: { DataType: 'String', StringValue: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) },
      },
    });
  });
});
