/**
 * The client's two transports, `node:http` (its default on Node.js) and `fetch` (elsewhere, or
 * `options.fetch`), against a bare server that answers the way networks and proxies do: both send
 * the same body (byte for byte, multi-byte characters across the pieces included) with its
 * length, honour Retry-After, retry an answer that never comes or is cut off, and leave no socket
 * open after close().
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Dropped, Tally, type TallyOptions } from '../../client/src/index.ts';
import { nodeSender } from '../../client/src/node-http.ts';

interface Seen {
  at: number;
  length: string | undefined;
  body: string;
  answer: string;
}

type Answer = (seen: Seen, res: ServerResponse, n: number) => void;

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** A server answering request number n with `answers[n]` (the last one after that). */
async function server(answers: Answer[]) {
  const seen: Seen[] = [];
  const s = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = seen.length;
      const entry: Seen = {
        at: Date.now(),
        length: req.headers['content-length'],
        body: Buffer.concat(chunks).toString('utf8'),
        answer: '',
      };
      seen.push(entry);
      (answers[n] ?? (answers.at(-1) as Answer))(entry, res, n);
    });
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
}

const ok: Answer = (seen, res) => {
  seen.answer = '200';
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
};

const transports: [string, Partial<TallyOptions>][] = [
  ['node:http', {}],
  ['fetch', { fetch: (...args: Parameters<typeof fetch>) => globalThis.fetch(...args) }],
];

function client(url: string, options: Partial<TallyOptions>) {
  const drops: Dropped[] = [];
  const tally = new Tally({
    writeKey: 'tk_test',
    host: url,
    retryBaseMs: 5,
    onDrop: (d) => drops.push(...d),
    ...options,
  });
  return { tally, drops };
}

describe.each(transports)('over %s', (_, transport) => {
  it('sends the body whole, with its byte length, however many pieces it is written in', async () => {
    const s = await server([ok]);
    const { tally, drops } = client(s.url, { ...transport, flushAt: 2500 });
    // ~200 KB, multi-byte characters throughout: more than a dozen pieces of 16,384 characters.
    for (let i = 0; i < 400; i++) {
      tally.track({
        userId: `ü${i}`,
        event: 'Grüße',
        properties: { text: `${'€😀'.repeat(60)}${'x'.repeat(300)}`, i },
      });
    }
    await tally.close();
    expect(drops).toEqual([]);
    expect(s.seen).toHaveLength(1);
    const [first] = s.seen as [Seen];
    expect(Number(first.length)).toBe(Buffer.byteLength(first.body));
    const body = JSON.parse(first.body) as { batch: { userId: string; properties: unknown }[] };
    expect(body.batch.map((m) => m.userId)).toEqual(Array.from({ length: 400 }, (_, i) => `ü${i}`));
    expect(body.batch[399]?.properties).toEqual({
      text: `${'€😀'.repeat(60)}${'x'.repeat(300)}`,
      i: 399,
    });
  });

  it('waits as long as Retry-After asks, then sends the same messages again', async () => {
    const s = await server([
      (seen, res) => {
        seen.answer = '503';
        res.writeHead(503, { 'retry-after': '1' }).end('busy');
      },
      ok,
    ]);
    const { tally, drops } = client(s.url, transport);
    tally.track({ userId: 'u1', event: 'Tick', messageId: 'm-1' });
    await tally.close();
    expect(drops).toEqual([]);
    expect(s.seen.map((x) => x.answer)).toEqual(['503', '200']);
    const [a, b] = s.seen as [Seen, Seen];
    expect(b.at - a.at).toBeGreaterThanOrEqual(990);
    expect(JSON.parse(b.body).batch[0].messageId).toBe('m-1');
    expect(tally.stats()).toMatchObject({ delivered: 1, retries: 1, requests: 2 });
  });

  it('retries an answer that does not come within timeoutMs, and one cut off half way', async () => {
    const s = await server([
      (seen) => {
        seen.answer = 'none';
      },
      (seen, res) => {
        seen.answer = 'cut';
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"succ');
        setTimeout(() => res.socket?.destroy(), 20);
      },
      ok,
    ]);
    const { tally, drops } = client(s.url, { ...transport, timeoutMs: 300 });
    tally.track({ userId: 'u1', event: 'Tick', messageId: 'm-2' });
    await tally.close();
    expect(drops).toEqual([]);
    expect(s.seen.map((x) => x.answer)).toEqual(['none', 'cut', '200']);
    expect(tally.stats()).toMatchObject({ delivered: 1, retries: 2 });
  });

  it('close() past its timeout aborts the request it waits for and drops its messages', async () => {
    const s = await server([() => undefined]);
    const { tally, drops } = client(s.url, transport);
    tally.track({ userId: 'u1', event: 'Tick' });
    const t0 = Date.now();
    await tally.close({ timeoutMs: 200 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(drops.map((d) => d.reason)).toEqual(['closed']);
  });
});

it('node:http: no socket stays open after close(), so the process can exit', async () => {
  const s = await server([ok]);
  let open = 0;
  const srv = servers.at(-1);
  srv?.on('connection', (socket) => {
    open++;
    socket.on('close', () => open--);
  });
  const { tally } = client(s.url, {});
  for (let i = 0; i < 10; i++) tally.track({ userId: 'u1', event: 'Tick' });
  await tally.flush();
  expect(open).toBe(1);
  await tally.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(open).toBe(0);
});

it('uses fetch where the platform has no node:http (Deno, Bun, browsers without process)', async () => {
  const s = await server([ok]);
  const original = process.getBuiltinModule;
  const fetchSpy = vi.spyOn(globalThis, 'fetch');
  try {
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    const { tally, drops } = client(s.url, {});
    tally.track({ userId: 'u1', event: 'Tick' });
    await tally.close();
    expect(drops).toEqual([]);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(s.seen).toHaveLength(1);
  } finally {
    process.getBuiltinModule = original;
    fetchSpy.mockRestore();
  }
});

it('over node:http, makes and writes each piece of a body on a turn of its own, after the send', async () => {
  const s = await server([ok]);
  const send = nodeSender(s.url, 1);
  if (!send) throw new Error('no node:http here');
  // A turn counter: one step per pass of the event loop's check phase.
  let turn = 0;
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const pieces = ['{"events":[', '{"a":"ü"}', ',{"b":"😀"}', ',{"c":3}]}'];
  const madeOn: number[] = [];
  let i = 0;
  const body = {
    bytes: Buffer.byteLength(pieces.join('')),
    next: () => {
      if (i >= pieces.length) return undefined;
      madeOn.push(turn);
      return pieces[i++];
    },
  };
  const sentOn = turn;
  const res = await send(
    `${s.url}/v1/events/bulk`,
    {},
    body,
    5000,
    new AbortController().signal,
    false,
  );
  ticking = false;
  send.close();
  expect(res.status).toBe(200);
  expect(s.seen[0]?.body).toBe(pieces.join(''));
  expect(Number(s.seen[0]?.length)).toBe(body.bytes);
  // Not one piece on the turn that sent it (the request is created on the next), then one a turn.
  expect(madeOn).toHaveLength(pieces.length);
  expect(madeOn[0]).toBeGreaterThan(sentOn + 1);
  for (let k = 1; k < madeOn.length; k++)
    expect(madeOn[k]).toBeGreaterThan(madeOn[k - 1] as number);
});
