/**
 * The local EventBridge: serves the `PutEvents` action of the EventBridge JSON protocol, so the
 * track handler's real SDK client is simply pointed here. Accepted entries become EventBridge
 * events and go to every rule whose pattern (the same object the CDK rule uses) matches.
 * An entry is reported accepted only once every matching target took it (the queue's target
 * resolves once the entry is on disk); a target that refuses with `BacklogFullError` fails the
 * entry with `ThrottlingException`, as EventBridge does under throttling.
 * Tests inject entry failures here, as EventBridge reports them.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PUT_EVENTS_MAX_BYTES, PUT_EVENTS_MAX_ENTRIES } from '../lambdas/contract/bus.ts';
import { matches, type Pattern } from './event-pattern.ts';
import { BacklogFullError } from './queue.ts';

export interface BusRule {
  name: string;
  pattern: Pattern;
  /** Takes an event; the entry counts as accepted once this resolves. */
  target: (eventJson: string) => unknown;
}

interface Entry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: string;
  Resources?: string[];
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface LocalEventBus {
  endpoint: string;
  busName: string;
  /**
   * Fails the next `count` entries with `code`, as EventBridge does under load; Infinity fails
   * every entry until a call with 0 stops it.
   */
  failNextEntries(count: number, code?: string): void;
  /** Entries received, failed ones included, and the bytes of the events delivered (for the benchmark). */
  stats(): { entries: number; eventBytes: number };
  stop(): Promise<void>;
}

export async function startEventBus(options: {
  busName: string;
  rules: BusRule[];
  port?: number;
}): Promise<LocalEventBus> {
  let failRemaining = 0;
  let failCode = 'InternalFailure';
  const counts = { entries: 0, eventBytes: 0 };

  const putEvents = async (
    entries: Entry[],
  ): Promise<{ FailedEntryCount: number; Entries: EntryResult[] }> => {
    const results = await Promise.all(
      entries.map(async (entry): Promise<EntryResult> => {
        counts.entries++;
        if (failRemaining > 0) {
          failRemaining--;
          return { ErrorCode: failCode, ErrorMessage: 'Injected failure (local bus)' };
        }
        const checked = checkEntry(entry, options.busName);
        if (typeof checked === 'string') {
          return { ErrorCode: 'MalformedDetail', ErrorMessage: checked };
        }
        const id = randomUUID();
        const envelope = {
          version: '0',
          id,
          'detail-type': entry.DetailType,
          source: entry.Source,
          account: '000000000000',
          time: entry.Time ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: 'us-east-1',
          resources: entry.Resources ?? [],
        };
        const event = { ...envelope, detail: checked.detail };
        // The detail is parsed once (to check it and match rules) and passed on as sent: it is
        // valid JSON, so the event is the envelope with it spliced in, not a second serialisation.
        const json = `${JSON.stringify(envelope).slice(0, -1)},"detail":${entry.Detail}}`;
        counts.eventBytes += Buffer.byteLength(json);
        try {
          // Every target is offered the entry before any is waited for: the queue decides at
          // once whether it has room, so the entries of concurrent requests share one fsync.
          await Promise.all(
            options.rules.filter((r) => matches(r.pattern, event)).map(async (r) => r.target(json)),
          );
        } catch (error) {
          if (error instanceof BacklogFullError) {
            return { ErrorCode: 'ThrottlingException', ErrorMessage: error.message };
          }
          return { ErrorCode: 'InternalFailure', ErrorMessage: (error as Error).message };
        }
        return { EventId: id };
      }),
    );
    return {
      FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
      Entries: results,
    };
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: Error) =>
      reply(res, 500, { __type: 'InternalException', message: error.message }),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const target = req.headers['x-amz-target'];
    if (target !== 'AWSEvents.PutEvents') {
      return reply(res, 400, {
        __type: 'UnknownOperationException',
        message: `The local bus serves PutEvents only, not ${String(target)}`,
      });
    }
    const body = JSON.parse(raw.toString('utf8')) as { Entries?: Entry[] };
    const entries = body.Entries ?? [];
    if (entries.length < 1 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
      return reply(res, 400, {
        __type: 'ValidationException',
        message: `1 to ${PUT_EVENTS_MAX_ENTRIES} entries per request`,
      });
    }
    const size = entries.reduce(
      (n, e) =>
        n +
        14 +
        Buffer.byteLength(e.Source ?? '') +
        Buffer.byteLength(e.DetailType ?? '') +
        Buffer.byteLength(e.Detail ?? ''),
      0,
    );
    if (size > PUT_EVENTS_MAX_BYTES) {
      return reply(res, 400, {
        __type: 'ValidationException',
        message: `Total size of the entries in the request is over the limit (${size} > ${PUT_EVENTS_MAX_BYTES})`,
      });
    }
    reply(res, 200, await putEvents(entries));
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    busName: options.busName,
    failNextEntries(count, code = 'InternalFailure') {
      failRemaining = count;
      failCode = code;
    },
    stats: () => ({ ...counts }),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The entry's parsed detail, or why EventBridge would refuse the entry. */
function checkEntry(entry: Entry, busName: string): { detail: object } | string {
  if (!entry.Source || !entry.DetailType || entry.Detail === undefined)
    return 'Source, DetailType and Detail are required';
  if (
    entry.EventBusName &&
    entry.EventBusName !== busName &&
    !entry.EventBusName.endsWith(`/${busName}`)
  ) {
    return `Event bus ${entry.EventBusName} does not exist`;
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return 'Detail is not valid JSON';
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
    return 'Detail must be a JSON object';
  return { detail };
}

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify(body));
}
