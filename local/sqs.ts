/**
 * The local SQS endpoint: the `SendMessage` and `SendMessageBatch` actions of the SQS JSON
 * protocol, so the ingest handler's real SDK client can dead-letter records with their reason and
 * send rejected items to their sink, and the redrive tool can put records back on the ingest queue. A message is acknowledged once its queue took it (for the
 * ingest queue: once it is on disk); a full queue answers `RequestThrottled`, which the SDK
 * retries.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BacklogFullError } from './queue.ts';

export interface SqsMessage {
  body: string;
  attributes: Record<string, string>;
}

export interface LocalSqsEndpoint {
  endpoint: string;
  queueUrl(name: string): string;
  stop(): Promise<void>;
}

/** Serves SendMessage(Batch) for the named queues; a message is sent once `deliver` resolves. */
export async function startSqsEndpoint(
  queues: Record<string, (message: SqsMessage) => unknown>,
): Promise<LocalSqsEndpoint> {
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: Error) =>
      reply(res, 500, { __type: 'com.amazonaws.sqs#InternalError', message: error.message }),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = req.headers['x-amz-target'];
    if (target !== 'AmazonSQS.SendMessage' && target !== 'AmazonSQS.SendMessageBatch') {
      return reply(res, 400, {
        __type: 'com.amazonaws.sqs#UnsupportedOperation',
        message: `The local SQS endpoint serves SendMessage and SendMessageBatch only, not ${String(target)}`,
      });
    }
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Sent & {
      QueueUrl?: string;
      Entries?: (Sent & { Id: string })[];
    };
    const name = input.QueueUrl?.split('/').pop() ?? '';
    const deliver = queues[name];
    if (!deliver) {
      return reply(res, 400, {
        __type: 'com.amazonaws.sqs#QueueDoesNotExist',
        message: `No queue ${input.QueueUrl}`,
      });
    }
    if (input.Entries) {
      // Each entry on its own, as SQS does: a refused one is listed in `Failed`.
      const Successful: Record<string, string>[] = [];
      const Failed: Record<string, unknown>[] = [];
      for (const entry of input.Entries) {
        try {
          await deliver(messageOf(entry));
          Successful.push({ Id: entry.Id, ...receipt(entry.MessageBody ?? '') });
        } catch (error) {
          if (!(error instanceof BacklogFullError)) throw error;
          Failed.push({ Id: entry.Id, SenderFault: false, Code: 'RequestThrottled' });
        }
      }
      return reply(res, 200, { Successful, Failed });
    }
    try {
      await deliver(messageOf(input));
    } catch (error) {
      if (!(error instanceof BacklogFullError)) throw error;
      return reply(res, 400, {
        __type: 'com.amazonaws.sqs#RequestThrottled',
        message: error.message,
      });
    }
    reply(res, 200, receipt(input.MessageBody ?? ''));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    endpoint,
    queueUrl: (name) => `${endpoint}/000000000000/${name}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Sent {
  MessageBody?: string;
  MessageAttributes?: Record<string, { StringValue?: string }>;
}

const messageOf = (sent: Sent): SqsMessage => ({
  body: sent.MessageBody ?? '',
  attributes: Object.fromEntries(
    Object.entries(sent.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']),
  ),
});

const receipt = (body: string) => ({
  MessageId: randomUUID(),
  MD5OfMessageBody: createHash('md5').update(body).digest('hex'),
});

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}
