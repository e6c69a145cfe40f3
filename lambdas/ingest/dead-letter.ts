/**
 * Dead-lettering with a reason: the record goes to the DLQ as is, the reason in a message
 * attribute. Requeueing: a record not attempted goes back to the ingest queue as a new message.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** The message attributes a dead letter carries, by name (the local twin's DLQ reads them back). */
export const DEAD_LETTER_ATTRIBUTES = {
  reason: 'reason',
  sourceMessageId: 'sourceMessageId',
  receiveCount: 'receiveCount',
  failedAt: 'failedAt',
} as const;
const A = DEAD_LETTER_ATTRIBUTES;

export function sqsDeadLetter(client: SQSClient, queueUrl: string) {
  return async (record: SQSRecord, reason: string): Promise<void> => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: record.body,
        MessageAttributes: {
          [A.reason]: { DataType: 'String', StringValue: reason.slice(0, 1000) },
          [A.sourceMessageId]: { DataType: 'String', StringValue: record.messageId },
          [A.receiveCount]: {
            DataType: 'Number',
            StringValue: record.attributes?.ApproximateReceiveCount ?? '1',
          },
          [A.failedAt]: { DataType: 'String', StringValue: new Date().toISOString() },
        },
      }),
    );
  };
}

export function sqsRequeue(client: SQSClient, queueUrl: string) {
  return async (record: SQSRecord): Promise<void> => {
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: record.body }));
  };
}
