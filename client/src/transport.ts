/**
 * One request to Tally and what its answer means for the batch: accepted (with the items the
 * server rejected, by index), retry later, split (413), refused for good, or "this server does not
 * take gzip". Pure where it can be, so the rules are tested without a network.
 */

/** An item Tally named in a 207 or 400 report. */
export interface Rejected {
  index: number;
  code: string;
  reason: string;
}

export type Answer =
  | { kind: 'accepted'; rejected: Rejected[] }
  | { kind: 'retry'; detail: string; retryAfterMs?: number | undefined }
  | { kind: 'split'; detail: string }
  | { kind: 'refused'; detail: string }
  | { kind: 'gzip_refused'; detail: string };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function rejectedOf(list: unknown): Rejected[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: Rejected[] = [];
  for (const r of list) {
    if (isRecord(r) && typeof r.index === 'number') {
      out.push({
        index: r.index,
        code: typeof r.code === 'string' ? r.code : 'invalid',
        reason: typeof r.reason === 'string' ? r.reason : 'rejected',
      });
    }
  }
  return out;
}

function messageOf(body: unknown): string {
  if (isRecord(body) && isRecord(body.error) && typeof body.error.message === 'string') {
    return body.error.message;
  }
  return typeof body === 'string' && body ? body.slice(0, 200) : '';
}

/**
 * Milliseconds a `Retry-After` header asks to wait: delta-seconds or an HTTP date
 * (RFC 9110 §10.2.3); undefined when absent or unreadable.
 */
export function retryAfterMs(
  header: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before retry number `attempt` (0 for the first retry): "full jitter", uniformly random
 * in [0, min(cap, base·2^attempt)], so clients that failed together do not retry together; at
 * least what the server asked for with Retry-After, and never more than `cap`.
 */
export function retryDelay(
  attempt: number,
  options: { baseMs: number; maxMs: number; retryAfterMs?: number | undefined },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  const jittered = random() * ceiling;
  return Math.min(options.maxMs, Math.max(jittered, options.retryAfterMs ?? 0));
}

/** What an HTTP answer means for the batch that was sent. */
export function judgeAnswer(
  status: number,
  body: unknown,
  retryAfter: string | null,
  gzipped: boolean,
): Answer {
  const message = messageOf(body);
  const detail = `HTTP ${status}${message ? `: ${message}` : ''}`;
  if (status >= 200 && status < 300) {
    return { kind: 'accepted', rejected: (isRecord(body) && rejectedOf(body.rejected)) || [] };
  }
  if (status === 400) {
    // Every item judged and rejected: a verdict on the items, not on the request.
    const rejected = isRecord(body) && isRecord(body.error) && rejectedOf(body.error.rejected);
    if (rejected && rejected.length > 0) return { kind: 'accepted', rejected };
    // A server without gzip support reads the compressed bytes as broken JSON.
    if (gzipped) return { kind: 'gzip_refused', detail };
    return { kind: 'refused', detail };
  }
  if (status === 415 && gzipped) return { kind: 'gzip_refused', detail };
  if (status === 413) return { kind: 'split', detail };
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: 'retry', detail, retryAfterMs: retryAfterMs(retryAfter) };
  }
  if (status >= 300 && status < 400) {
    return { kind: 'refused', detail: `${detail}; set host to the URL Tally answers at` };
  }
  return { kind: 'refused', detail };
}

/** Whether this platform can gzip (CompressionStream: Node 18+, Deno, Bun, browsers). */
export const canGzip = () => typeof globalThis.CompressionStream === 'function';

export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export interface Posted {
  status: number;
  body: unknown;
  retryAfter: string | null;
}

/**
 * A request body, made one piece at a time: `next()` builds and returns the next piece (undefined
 * after the last), and the pieces' concatenation is the body; `bytes`, its UTF-8 length, is known
 * before any piece is made. A transport asks for a piece when it can write it, so sending a batch
 * never builds the whole body in one go on the service's event loop. Read once.
 */
export interface Body {
  next(): string | undefined;
  bytes: number;
}

/** Every piece of `body`, in order. */
export function allPieces(body: Body): string[] {
  const pieces: string[] = [];
  for (let p = body.next(); p !== undefined; p = body.next()) pieces.push(p);
  return pieces;
}

/**
 * Sends one request: POSTs the body (the concatenation of its pieces, gzipped when `gzip`) and reads
 * the answer, within `timeoutMs` for the whole exchange; `signal` aborts it (the client closing).
 * Redirects are not followed: a POST must reach Tally itself.
 */
export type Send = (
  url: string,
  headers: Record<string, string>,
  body: Body,
  timeoutMs: number,
  signal: AbortSignal,
  gzip: boolean,
) => Promise<Posted>;

/** A sender over `fetch`: where `node:http` is not there, or when `options.fetch` is given. */
export function fetchSender(fetchImpl: typeof fetch): Send {
  return async (url, headers, content, timeoutMs, signal, gzipped) => {
    const text = allPieces(content).join('');
    const body = gzipped ? await gzip(text) : text;
    return post(
      fetchImpl,
      url,
      gzipped ? { ...headers, 'content-encoding': 'gzip' } : headers,
      body,
      timeoutMs,
      signal,
    );
  };
}

/** POSTs `body` with `fetch` and reads the answer (see `Send`). */
export async function post(
  fetchImpl: typeof fetch,
  url: string,
  headers: Record<string, string>,
  body: string | Uint8Array,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Posted> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`no answer within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await fetchImpl(url, {
      method: 'POST',
      headers,
      body: body as BodyInit,
      redirect: 'manual',
      signal: controller.signal,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): kept as text for the detail.
    }
    return { status: res.status, body: parsed, retryAfter: res.headers.get('retry-after') };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
