/** Dead-lettering with a reason: the record goes to the DLQ as is, the reason in a message attribute. */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

export function sqsDeadLetter(client: SQSClient, queueUrl: string) {
  return async (record: SQSRecord, reason: string): Promise<void> => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: record.body,
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: reason.slice(0, 1000) },
          sourceMessageId: { DataType: 'String', StringValue: record.messageId },
          receiveCount: {
            DataType: 'Number',
            StringValue: record.attributes?.ApproximateReceiveCount ?? '1',
          },
          failedAt: { DataType: 'String', StringValue: new Date().toISOString() },
        },
      }),
    );
  };
}
