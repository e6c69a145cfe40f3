/**
 * An HTTP proxy in front of the local twin that injects the faults a client meets in the wild:
 * an error status (with Retry-After), a connection dropped after the body was read and before
 * anything reached Tally, one dropped after Tally accepted the request but before the answer got
 * back, or a request held unanswered. It records every request it saw, with its messageIds.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type Fault =
  | 'pass'
  /** Read the body, then close the connection; Tally never sees the request. */
  | 'drop'
  /**
   * Forward to Tally, wait for its answer, then close the connection without answering: the
   * client cannot know Tally has the events, and must send them again.
   */
  | 'drop-after-forward'
  /** Answer nothing until `release()`, then forward. */
  | 'hold'
  /** Answer nothing and forward nothing; close the connection on `release()`. */
  | 'hang'
  | { status: number; retryAfter?: string; body?: unknown };

export interface SeenRequest {
  at: number;
  path: string;
  encoding: string | undefined;
  bytes: number;
  messageIds: string[];
  fault: string;
  /** Status of the answer the client got (undefined when the connection was dropped). */
  answered?: number;
}

export interface FaultProxy {
  url: string;
  /** Faults for the next requests, in order; once used up, `policy` decides (default: pass). */
  faults: Fault[];
  policy: (seen: SeenRequest) => Fault;
  requests: SeenRequest[];
  /** Requests currently held. */
  held(): number;
  release(): void;
  close(): Promise<void>;
}

function idsOf(body: Buffer, encoding: string | undefined): string[] {
  try {
    const text = (encoding === 'gzip' ? gunzipSync(body) : body).toString('utf8');
    const parsed = JSON.parse(text) as { batch?: unknown[]; events?: unknown[] };
    const items = parsed.batch ?? parsed.events ?? [];
    return items.map((m) => String((m as { messageId?: unknown }).messageId));
  } catch {
    return [];
  }
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const describe = (f: Fault) => (typeof f === 'string' ? f : `status ${f.status}`);

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const waiting: (() => void)[] = [];
  const proxy: FaultProxy = {
    url: '',
    faults: [],
    policy: () => 'pass',
    requests: [],
    held: () => waiting.length,
    release: () => {
      for (const go of waiting.splice(0)) go();
    },
    close: async () => {
      proxy.release();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };

  const server = createServer(async (req, res) => {
    const body = await readAll(req);
    const encoding = req.headers['content-encoding'];
    const seen: SeenRequest = {
      at: Date.now(),
      path: req.url ?? '/',
      encoding,
      bytes: body.length,
      messageIds: idsOf(body, encoding),
      fault: 'pass',
    };
    const fault = proxy.faults.length > 0 ? (proxy.faults.shift() as Fault) : proxy.policy(seen);
    seen.fault = describe(fault);
    proxy.requests.push(seen);

    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (typeof fault === 'object') {
      seen.answered = fault.status;
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }),
      });
      res.end(JSON.stringify(fault.body ?? { error: { code: 'injected', message: 'injected' } }));
      return;
    }
    if (fault === 'hold' || fault === 'hang') await new Promise<void>((go) => waiting.push(go));
    if (fault === 'hang') {
      req.socket.destroy();
      return;
    }

    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'content-encoding']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers,
      body: new Uint8Array(body),
    });
    const text = await answer.text();
    if (fault === 'drop-after-forward') {
      req.socket.destroy();
      return;
    }
    seen.answered = answer.status;
    const out: Record<string, string> = {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    };
    const retryAfter = answer.headers.get('retry-after');
    if (retryAfter) out['retry-after'] = retryAfter;
    res.writeHead(answer.status, out);
    res.end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
