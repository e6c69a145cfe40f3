/**
 * `npm run dlq:redrive [-- --dry-run]`: puts the local dead letters back on the ingest queue of
 * the running twin (`npm start`), through its SQS endpoint, after the cause has been fixed.
 * Letters that cannot be sent stay in the file. In AWS, the same is one command (docs/operations.md):
 *   aws sqs start-message-move-task --source-arn <DeadLetterQueue ARN> --destination-arn <IngestQueue ARN>
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { dataDirFromEnv, ENDPOINTS_FILE } from './data-dir.ts';
import { appendDeadLetter, readDeadLetters, writeDeadLetters } from './dead-letters.ts';
import type { DeadLetter } from './queue.ts';

export async function redrive(dataDir: string, options: { dryRun?: boolean } = {}) {
  const letters = readDeadLetters(dataDir);
  if (options.dryRun || letters.length === 0) return { sent: 0, kept: letters.length, letters };
  const file = join(dataDir, ENDPOINTS_FILE);
  if (!existsSync(file))
    throw new Error('Tally is not running here: start it with `npm start` first');
  const { sqsEndpoint, ingestQueueUrl } = JSON.parse(readFileSync(file, 'utf8')) as {
    sqsEndpoint: string;
    ingestQueueUrl: string;
  };
  const client = new SQSClient({
    endpoint: sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // Take the letters out first and put back only those that could not be sent: a redriven
  // message that fails again is appended while this runs, and must not be overwritten.
  writeDeadLetters(dataDir, []);
  const kept: DeadLetter[] = [];
  let sent = 0;
  try {
    for (const letter of letters) {
      try {
        await client.send(
          new SendMessageCommand({ QueueUrl: ingestQueueUrl, MessageBody: letter.message.body }),
        );
        sent++;
      } catch {
        kept.push(letter);
      }
    }
  } finally {
    for (const letter of kept) appendDeadLetter(dataDir, letter);
    client.destroy();
  }
  return { sent, kept: kept.length, letters };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false } } });
  const dataDir = dataDirFromEnv();
  try {
    const result = await redrive(dataDir, { dryRun: values['dry-run'] });
    for (const l of result.letters) {
      console.log(`${l.failedAt}  ${l.message.messageId}  ${l.reason}`);
    }
    console.log(
      values['dry-run']
        ? `${result.letters.length} dead letters (dry run: nothing sent)`
        : `${result.sent} sent back to the ingest queue, ${result.kept} kept`,
    );
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
