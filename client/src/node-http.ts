/**
 * The transport on Node.js (and runtimes with its built-ins): `node:http`/`node:https` with a
 * keep-alive agent, the body written in pieces of at most ~16 KB and never joined into one string
 * or buffer, gzip (when on) by `node:zlib` on the thread pool. A request body of 500 events is
 * ~150 KB: as one string, then one encoded buffer, then (in `fetch`) a copy, each past V8's and
 * malloc's large-object thresholds, it cost the service's event loop milliseconds per flush
 * (docs/performance.md "Client"); in pieces it stays in memory the process already has. The
 * modules come from `process.getBuiltinModule` (Node.js 20.16+, 22.3+), so nothing is imported
 * where they do not exist: there the client uses `fetch` (transport.ts).
 */
import type { Body, Posted, Send } from './transport.ts';

/** The parts of `node:http`'s API used here (the client's build has no Node.js types). */
interface HttpModule {
  request(url: string, options: object, callback: (res: IncomingLike) => void): RequestLike;
  Agent: new (options: object) => AgentLike;
}
interface AgentLike {
  destroy(): void;
}
interface RequestLike {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  write(chunk: string | Uint8Array): boolean;
  end(): void;
  destroy(error?: Error): void;
}
interface IncomingLike {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
  setEncoding(encoding: 'utf8'): void;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'aborted', listener: () => void): unknown;
}
interface GzipLike {
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  write(chunk: Uint8Array): boolean;
  end(): void;
}
interface ZlibModule {
  createGzip(): GzipLike;
}

type GetBuiltin = (id: string) => unknown;

function builtin<T>(id: string): T | undefined {
  const get = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process
    ?.getBuiltinModule;
  if (typeof get !== 'function') return undefined;
  try {
    return get(id) as T | undefined;
  } catch {
    return undefined;
  }
}

/** Idle sockets are closed after this: below the 5 s most servers keep one open for. */
const KEEP_ALIVE_MS = 4000;

const encoder = new TextEncoder();

type Immediate = (callback: () => void) => unknown;
const setImmediate = (globalThis as { setImmediate?: Immediate }).setImmediate;
/** The next turn of the event loop: requests that came in meanwhile are served first. */
const nextTurn = () =>
  new Promise<void>((resolve) => (setImmediate ? setImmediate(resolve) : setTimeout(resolve, 0)));

/** Makes and encodes the pieces, one per turn of the event loop. */
async function encodeSliced(body: Body): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let p = body.next(); p !== undefined; p = body.next()) {
    out.push(encoder.encode(p));
    await nextTurn();
  }
  return out;
}

/**
 * Writes the body one piece per turn of the event loop, each piece made on its turn, starting on
 * the turn after the request was created: a flush never holds the service's event loop for more
 * than one piece at a time.
 */
async function writeSliced(
  req: RequestLike,
  body: Body,
  gzipped: Uint8Array[] | undefined,
  stopped: () => boolean,
): Promise<void> {
  let i = 0;
  const next = gzipped ? () => gzipped[i++] : () => body.next();
  for (;;) {
    await nextTurn();
    // Answered (or failed) before the whole body was written: that socket cannot be reused.
    if (stopped()) return req.destroy();
    const piece = next();
    if (piece === undefined) return req.end();
    req.write(piece);
  }
}

/** Compresses the pieces on zlib's thread pool, not on the event loop. */
function gzipPieces(zlib: ZlibModule, pieces: Uint8Array[]): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const out: Uint8Array[] = [];
    const gz = zlib.createGzip();
    gz.on('data', (chunk) => out.push(chunk));
    gz.on('end', () => resolve(out));
    gz.on('error', reject);
    for (const p of pieces) gz.write(p);
    gz.end();
  });
}

/**
 * A sender over `node:http`/`node:https` for `baseUrl`, or undefined where the platform has no
 * such modules (then `fetch` is used). `close()` destroys the agent's sockets.
 */
export function nodeSender(
  baseUrl: string,
  maxSockets: number,
): (Send & { close(): void }) | undefined {
  const https = baseUrl.startsWith('https:');
  const http = builtin<HttpModule>(https ? 'node:https' : 'node:http');
  const zlib = builtin<ZlibModule>('node:zlib');
  if (!http || typeof http.request !== 'function' || !zlib) return undefined;
  // Idle sockets of a keep-alive agent do not keep the process alive (Node.js unrefs them).
  const agent = new http.Agent({ keepAlive: true, maxSockets, timeout: KEEP_ALIVE_MS });

  const send: Send = async (url, headers, content, timeoutMs, signal, gzip) => {
    // Uncompressed, the pieces are written as they are (Node.js encodes each as it writes it).
    const body = gzip ? await gzipPieces(zlib, await encodeSliced(content)) : undefined;
    // The request is created on a turn of its own, not on the one that took the batch from the
    // queue: creating it is the longest step of a flush (~0.1 ms of Node.js's code, cold by then).
    if (!body) await nextTurn();
    let length = content.bytes;
    if (body) {
      length = 0;
      for (const b of body) length += b.byteLength;
    }
    return new Promise<Posted>((resolve, reject) => {
      let settled = false;
      let answered = false;
      const finish = (error: Error | undefined, posted?: Posted) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (error) {
          req.destroy();
          reject(error);
        } else resolve(posted as Posted);
      };
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            ...headers,
            'content-length': String(length),
            ...(gzip ? { 'content-encoding': 'gzip' } : {}),
          },
        },
        (res) => {
          answered = true;
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('error', (error) => finish(error));
          res.on('aborted', () => finish(new Error('connection closed while reading the answer')));
          res.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // Not JSON (a proxy's error page): kept as text for the detail.
            }
            const retryAfter = res.headers['retry-after'];
            finish(undefined, {
              status: res.statusCode ?? 0,
              body: parsed,
              retryAfter: (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null,
            });
          });
        },
      );
      const onAbort = () => finish((signal.reason as Error) ?? new Error('aborted'));
      const timer = setTimeout(
        () => finish(new Error(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on('error', (error) => finish(error));
      req.on('close', () => {
        // Once answered, the answer's own end (or abort) settles it.
        if (!answered) finish(new Error('connection closed before the answer'));
      });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      void writeSliced(req, content, body, () => settled);
    });
  };
  return Object.assign(send, { close: () => agent.destroy() });
}
